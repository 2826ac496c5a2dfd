package io.octofleet.server.ansible;

import io.octofleet.server.jobs.RunId;
import io.octofleet.server.jobs.RunRecorder;
import io.octofleet.server.jobs.RunUpdate;
import io.octofleet.server.nodes.NodeId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Hands one direct run's updates to the {@link RunRecorder} as its agent would: numbered 1, 2, 3 … and in order.
 *
 * <p>There is no agent to re-send what the recorder could not store, so this does: one update is in flight at a
 * time, and one that was not stored (a database failure) is submitted again after {@link #RETRY_DELAY}, before any
 * later one. The recorder stores an update only when it follows the last stored one, so sending ahead of a failed
 * update would lose the later ones; stop-and-wait keeps that simple, and a play produces few events a second.
 */
final class RunReporter {
    private static final Logger LOG = LoggerFactory.getLogger(RunReporter.class);
    static final Duration RETRY_DELAY = Duration.ofSeconds(1);

    private final RunRecorder recorder;
    private final ScheduledExecutorService retries;
    private final NodeId node;
    private final RunId run;
    private final Deque<RunUpdate> pending = new ArrayDeque<>();
    private final RunRecorder.Receipt receipt = new RunRecorder.Receipt() {
        @Override
        public void stored(RunId run, long throughSeq) {
            onStored(throughSeq);
        }

        @Override
        public void failed(RunId run, Exception cause) {
            onFailed(cause.toString());
        }
    };
    private long nextSeq = 1;
    private boolean inFlight;
    private boolean finished;

    RunReporter(RunRecorder recorder, ScheduledExecutorService retries, NodeId node, RunId run) {
        this.recorder = recorder;
        this.retries = retries;
        this.node = node;
        this.run = run;
    }

    RunId run() {
        return run;
    }

    NodeId node() {
        return node;
    }

    /** Queues the next update of the run; after a {@link RunUpdate.Finished} nothing more is taken. */
    synchronized void report(RunUpdate.Kind kind) {
        if (finished) {
            return;
        }
        finished = kind instanceof RunUpdate.Finished;
        pending.add(new RunUpdate(run, nextSeq++, Instant.now(), kind));
        pump();
    }

    private void pump() {
        if (inFlight || pending.isEmpty()) {
            return;
        }
        inFlight = true;
        recorder.submit(node, pending.peekFirst(), receipt);
    }

    private synchronized void onStored(long throughSeq) {
        inFlight = false;
        RunUpdate head = pending.peekFirst();
        if (head != null && throughSeq < head.seq()) {
            // Not stored although nothing failed: the run row moved on without us. Nothing can fix that by retrying.
            LOG.error("Run {} of node {}: update {} was not stored (the run is at {}); dropping this run's reports",
                    run, node, head.seq(), throughSeq);
            pending.clear();
            return;
        }
        while (!pending.isEmpty() && pending.peekFirst().seq() <= throughSeq) {
            pending.removeFirst();
        }
        pump();
    }

    private synchronized void onFailed(String cause) {
        LOG.warn("Run {} of node {}: storing update {} failed ({}); retrying in {}", run, node,
                pending.isEmpty() ? "?" : pending.peekFirst().seq(), cause, RETRY_DELAY);
        try {
            retries.schedule(this::retry, RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.warn("Run {} of node {}: the server is stopping; {} update(s) not stored", run, node, pending.size());
        }
    }

    private synchronized void retry() {
        inFlight = false;
        pump();
    }
}
