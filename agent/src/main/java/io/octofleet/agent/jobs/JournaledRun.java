package io.octofleet.agent.jobs;

import io.octofleet.proto.agent.v1.RunUpdate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One journaled run, from its start until the server has acknowledged its end: numbers what the run produces
 * 1, 2, 3… without gaps, spools each update before anyone may send it, and hands the updates not yet acknowledged to
 * each new session in order.
 *
 * <p>Output is gathered for a moment ({@link #OUTPUT_LINGER}, or until 64 KiB or the other stream) before it is
 * spooled, so a chatty process costs a few forced writes a second rather than one per read. When the spool budget is
 * full, output is dropped and counted, and the next chunk that fits says how much went missing before it; the start,
 * task events and the end are never dropped.
 */
final class JournaledRun implements RunListener {
    private static final Logger LOG = LoggerFactory.getLogger(JournaledRun.class);
    static final int MAX_CHUNK = 64 * 1024;
    static final Duration OUTPUT_LINGER = Duration.ofMillis(200);
    /** Acknowledged bytes worth rewriting the spool for; below this they wait for the run's end. */
    private static final long COMPACT_AT_LEAST = 1024 * 1024;

    private final RunId runId;
    private final RunJournal journal;
    private final RunSpool spool;
    private final SpoolBudget budget;
    private final Clock clock;
    private final ScheduledExecutorService timers;
    private final Runnable spooled;
    private final CancellationToken cancel = new CancellationToken();

    private long lastSeq;
    private long ackedThrough;
    private long finishedSeq;
    private boolean startedSpooled;
    private boolean done;
    private OutputChunk.Source pendingSource;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private ScheduledFuture<?> lingering;
    private long droppedBytes;
    private RunUpdateSink sentTo;
    private long sentThrough;

    private JournaledRun(RunId runId, RunJournal journal, RunSpool spool, SpoolBudget budget, Clock clock,
            ScheduledExecutorService timers, Runnable spooled) {
        this.runId = runId;
        this.journal = journal;
        this.spool = spool;
        this.budget = budget;
        this.clock = clock;
        this.timers = timers;
        this.spooled = spooled;
    }

    /**
     * Opens the run's spool, new or left by an earlier agent process.
     *
     * @param spooled called after each update is spooled, to wake whoever sends them
     */
    static JournaledRun open(RunId runId, RunJournal journal, SpoolBudget budget, Clock clock,
            ScheduledExecutorService timers, Runnable spooled) throws IOException {
        RunSpool spool = journal.spool(runId);
        JournaledRun run = new JournaledRun(runId, journal, spool, budget, clock, timers, spooled);
        List<RunSpool.Entry> entries = spool.entries();
        if (!entries.isEmpty()) {
            // What was acknowledged before a restart is not known; the first kept update is at most one too many.
            run.ackedThrough = entries.get(0).seq() - 1;
            run.lastSeq = entries.get(entries.size() - 1).seq();
            // A first number above 1 means the start was spooled, and acknowledged.
            run.startedSpooled = entries.get(0).seq() > 1;
            for (RunSpool.Entry entry : entries) {
                if (entry.kind() == RunUpdate.KindCase.FINISHED) {
                    run.finishedSeq = entry.seq();
                }
                if (entry.kind() == RunUpdate.KindCase.STARTED) {
                    run.startedSpooled = true;
                }
            }
        }
        budget.take(spool.size());
        return run;
    }

    RunId runId() {
        return runId;
    }

    CancellationToken cancellation() {
        return cancel;
    }

    synchronized boolean isFinished() {
        return finishedSeq > 0;
    }

    synchronized boolean hasStarted() {
        return startedSpooled;
    }

    /** Spools {@code started}: the process is about to be launched. */
    synchronized void started() throws IOException {
        append(RunUpdates.started(), false);
        startedSpooled = true;
    }

    @Override
    public synchronized void output(OutputChunk chunk) {
        try {
            if (pendingSource != null && pendingSource != chunk.source()) {
                flushOutput();
            }
            pendingSource = chunk.source();
            pending.writeBytes(chunk.bytes());
            while (pending.size() >= MAX_CHUNK) {
                byte[] bytes = pending.toByteArray();
                pending.reset();
                spoolOutput(bytes, 0, MAX_CHUNK);
                pending.write(bytes, MAX_CHUNK, bytes.length - MAX_CHUNK);
            }
            if (pending.size() > 0 && lingering == null) {
                lingering = timers.schedule(this::flushLingering, OUTPUT_LINGER.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (IOException e) {
            // Per RunListener, throwing kills the run: output that cannot be spooled cannot be delivered either.
            throw new UncheckedIOException("run " + runId + ": cannot write its spool", e);
        }
    }

    @Override
    public synchronized void event(RunEvent event) {
        try {
            flushOutput();
            append(RunUpdates.event(event), false);
        } catch (IOException e) {
            throw new UncheckedIOException("run " + runId + ": cannot write its spool", e);
        }
    }

    /** Spools the run's end, after what output is still gathered and, if output was dropped, how much. */
    synchronized void finished(RunResult result) throws IOException {
        if (finishedSeq > 0) {
            return;
        }
        flushOutput();
        if (droppedBytes > 0) {
            append(RunUpdates.output(pendingSource == null ? OutputChunk.Source.STDOUT : pendingSource,
                    new byte[0], 0, 0, droppedBytes), false);
            droppedBytes = 0;
        }
        append(RunUpdates.finished(result), false);
        finishedSeq = lastSeq;
    }

    /** Ends the run FAILED for {@code reason}, with no exit code: it never ran, or the agent lost it. */
    synchronized void failed(String reason) throws IOException {
        finished(new RunResult(RunResult.Outcome.FAILED, OptionalInt.empty(), reason, Optional.empty()));
    }

    /**
     * The next update {@code sink} has not been given yet, in run_seq order; a new sink starts after the last
     * acknowledged update.
     */
    synchronized Optional<RunUpdate> nextFor(RunUpdateSink sink) throws IOException {
        if (done) {
            return Optional.empty();
        }
        if (sentTo != sink) {
            sentTo = sink;
            sentThrough = ackedThrough;
        }
        for (RunSpool.Entry entry : spool.entries()) {
            if (entry.seq() > sentThrough) {
                RunUpdate update = spool.read(entry);
                sentThrough = entry.seq();
                return Optional.of(update);
            }
        }
        return Optional.empty();
    }

    /**
     * The server has stored every update through {@code throughSeq}.
     *
     * @return true when that includes the run's end: the run is done and its spool gone
     */
    synchronized boolean acknowledge(long throughSeq) throws IOException {
        if (done || throughSeq <= ackedThrough) {
            return done;
        }
        ackedThrough = Math.min(throughSeq, lastSeq);
        if (finishedSeq > 0 && ackedThrough >= finishedSeq) {
            spool.close();
            journal.done(runId);
            budget.give(spool.size());
            done = true;
            return true;
        }
        long acknowledgedBytes = acknowledgedBytes();
        if (acknowledgedBytes >= Math.max(COMPACT_AT_LEAST, spool.size() - acknowledgedBytes)) {
            compact();
        }
        return false;
    }

    /** Spools the output still gathered and closes the spool; the run stays journaled for the next agent process. */
    synchronized void close() {
        try {
            if (!done) {
                flushOutput();
            }
        } catch (IOException e) {
            LOG.warn("Run {}: output gathered at the agent's stop is lost: {}", runId, e.toString());
        }
        spool.close();
    }

    private void flushLingering() {
        synchronized (this) {
            lingering = null;
            try {
                flushOutput();
            } catch (IOException e) {
                LOG.error("Run {}: cannot write its spool: {}", runId, e.toString());
            }
        }
    }

    private void flushOutput() throws IOException {
        if (lingering != null) {
            lingering.cancel(false);
            lingering = null;
        }
        if (pending.size() > 0) {
            byte[] bytes = pending.toByteArray();
            pending.reset();
            spoolOutput(bytes, 0, bytes.length);
        }
    }

    private void spoolOutput(byte[] bytes, int from, int length) throws IOException {
        if (append(RunUpdates.output(pendingSource, bytes, from, length, droppedBytes), true)) {
            droppedBytes = 0;
        } else {
            droppedBytes += length;
        }
    }

    /**
     * Numbers, spools and announces one update.
     *
     * @param droppable whether it may be left out when the spool budget is used up
     * @return false when it was left out
     */
    private boolean append(RunUpdate.Builder kind, boolean droppable) throws IOException {
        RunUpdate update = kind.setRunId(runId.value())
                .setRunSeq(lastSeq + 1)
                .setAtUnixMs(clock.millis())
                .build();
        int size = RunSpool.sizeOf(update);
        if (droppable) {
            if (!budget.tryTake(size) && !(compact() > 0 && budget.tryTake(size))) {
                return false;
            }
        } else {
            budget.take(size);
        }
        try {
            spool.append(update);
        } catch (IOException e) {
            budget.give(size);
            throw e;
        }
        lastSeq = update.getRunSeq();
        spooled.run();
        return true;
    }

    /** Drops the acknowledged updates but the last, which keeps the run's numbering across a restart. */
    private long compact() throws IOException {
        if (acknowledgedBytes() == 0) {
            return 0;
        }
        long freed = spool.keepFrom(ackedThrough);
        budget.give(freed);
        return freed;
    }

    private long acknowledgedBytes() {
        long bytes = 0;
        for (RunSpool.Entry entry : spool.entries()) {
            if (entry.seq() >= ackedThrough) {
                return bytes;
            }
            bytes = entry.offset() + entry.length();
        }
        return bytes;
    }
}
