package io.octofleet.agent.jobs;

import io.octofleet.proto.agent.v1.RunUpdate;
import java.io.IOException;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that moves spooled updates to the live session's sink: each run's updates in run_seq order, a few
 * per run in turn so one chatty run does not hold back the others, and only while the sink has room, so a large
 * spool is read from disk as the connection takes it rather than queued in memory.
 */
final class RunUpdatePump implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(RunUpdatePump.class);
    private static final int PER_RUN_PER_TURN = 16;
    private static final long FULL_SINK_POLL_MS = 20;
    private static final long IDLE_WAIT_MS = 1000;

    private final Supplier<RunUpdateSink> sink;
    private final Supplier<Collection<JournaledRun>> runs;
    private final Thread thread;
    private boolean signalled;
    private volatile boolean stopped;

    RunUpdatePump(Supplier<RunUpdateSink> sink, Supplier<Collection<JournaledRun>> runs) {
        this.sink = sink;
        this.runs = runs;
        this.thread = new Thread(this, "octofleet-run-updates");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Something was spooled, or a new sink is there. */
    synchronized void wake() {
        signalled = true;
        notifyAll();
    }

    void stop() throws InterruptedException {
        stopped = true;
        wake();
        thread.join(5000);
    }

    @Override
    public void run() {
        while (!stopped) {
            boolean sent = false;
            boolean full = false;
            RunUpdateSink current = sink.get();
            if (current != null) {
                turns:
                for (JournaledRun run : runs.get()) {
                    for (int i = 0; i < PER_RUN_PER_TURN; i++) {
                        if (!current.hasRoom()) {
                            full = true;
                            break turns;
                        }
                        Optional<RunUpdate> next = next(run, current);
                        if (next.isEmpty()) {
                            break;
                        }
                        current.send(next.get());
                        sent = true;
                    }
                }
            }
            if (!sent || full) {
                try {
                    await(full ? FULL_SINK_POLL_MS : IDLE_WAIT_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static Optional<RunUpdate> next(JournaledRun run, RunUpdateSink sink) {
        try {
            return run.nextFor(sink);
        } catch (IOException e) {
            LOG.error("Run {}: cannot read its spool: {}", run.runId(), e.toString());
            return Optional.empty();
        }
    }

    private synchronized void await(long millis) throws InterruptedException {
        if (!signalled) {
            wait(millis);
        }
        signalled = false;
    }
}
