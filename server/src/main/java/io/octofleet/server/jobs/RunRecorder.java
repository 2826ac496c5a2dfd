package io.octofleet.server.jobs;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.db.tables.records.JobRunsRecord;
import io.octofleet.server.nodes.NodeId;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import static io.octofleet.server.db.Tables.JOB_RUNS;
import static io.octofleet.server.db.Tables.RUN_EVENTS;
import static io.octofleet.server.db.Tables.RUN_OUTPUT;

/**
 * Stores what agents report about their runs, exactly once, and tells them what is stored.
 *
 * <p>Updates from every session go through one queue to one writer thread, which stores up to {@value #MAX_BATCH}
 * of them per transaction (one commit, one fsync, for many agents) and then acknowledges each run's highest stored
 * sequence number. An update is stored only when its {@code run_seq} is exactly one more than the run's
 * {@code last_seq}, in the statement that advances it; a re-sent one is acknowledged without being stored again.
 * The queue preserves each session's order, so one run's updates arrive in sequence.
 *
 * <p>Output is bounded per run: the first {@code octofleet.jobs.output.head-bytes} and the last
 * {@code tail-bytes} are kept, the middle of a longer output is deleted as it goes and shows as a marker.
 */
@Singleton
public class RunRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(RunRecorder.class);
    static final int MAX_BATCH = 500;

    /** Receives the outcome of one update, on the writer thread, after the commit. */
    public interface Receipt {
        /** Every update of the run up to {@code throughSeq} is stored. */
        void stored(RunId run, long throughSeq);

        /** The update could not be stored (database failure); the agent must send it again later. */
        void failed(RunId run, Exception cause);
    }

    private record Pending(NodeId node, RunUpdate update, Receipt receipt) {
    }

    /** What one update changed, for acks, SSE and job progress after the commit. */
    private record Applied(Pending pending, long throughSeq, @Nullable JobRunsRecord run,
                           @Nullable JobEvents.Event event, boolean ended) {
    }

    private final JobRepository repository;
    private final JobEvents events;
    private final JobEngine engine;
    private final long headBytes;
    private final long tailBytes;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean stopped;

    RunRecorder(JobRepository repository, JobEvents events, JobEngine engine,
                @Value("${octofleet.jobs.output.head-bytes:1048576}") long headBytes,
                @Value("${octofleet.jobs.output.tail-bytes:1048576}") long tailBytes) {
        this.repository = repository;
        this.events = events;
        this.engine = engine;
        this.headBytes = headBytes;
        this.tailBytes = tailBytes;
        this.writer = new Thread(this::writeLoop, "octofleet-run-recorder");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Queues an update from {@code node}'s agent; {@code receipt} hears of it once it is stored (or not). */
    public void submit(NodeId node, RunUpdate update, Receipt receipt) {
        queue.add(new Pending(node, update, receipt));
    }

    @PreDestroy
    void stop() {
        stopped = true;
        writer.interrupt();
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (!stopped) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            try {
                write(batch);
            } catch (RuntimeException e) {
                LOG.error("Recording run updates failed", e);
            }
            batch.clear();
        }
    }

    private void write(List<Pending> batch) {
        List<Applied> applied;
        try {
            applied = repository.dsl().transactionResult(cfg -> {
                List<Applied> out = new ArrayList<>(batch.size());
                for (Pending p : batch) {
                    out.add(apply(cfg.dsl(), p));
                }
                return out;
            });
        } catch (RuntimeException batchFailed) {
            // One bad update must not hold back the others: store them one by one, and let the failed ones be sent
            // again (the session is ended, so the agent reconnects and re-sends what is not acknowledged).
            applied = new ArrayList<>();
            for (Pending p : batch) {
                try {
                    applied.add(repository.dsl().transactionResult(cfg -> apply(cfg.dsl(), p)));
                } catch (RuntimeException e) {
                    LOG.warn("Cannot store update {} of run {} from node {}: {}", p.update().seq(),
                            p.update().runId(), p.node(), e.toString());
                    p.receipt().failed(p.update().runId(), e);
                }
            }
        }
        Set<JobId> progressed = new LinkedHashSet<>();
        for (Applied a : applied) {
            a.pending().receipt().stored(a.pending().update().runId(), a.throughSeq());
            if (a.run() != null) {
                JobId job = new JobId(a.run().getJobId());
                if (a.event() != null) {
                    events.publish(a.event());
                }
                if (a.ended()) {
                    progressed.add(job);
                }
            }
        }
        progressed.forEach(engine::progressLater);
    }

    private Applied apply(DSLContext tx, Pending p) {
        RunUpdate u = p.update();
        var update = tx.update(JOB_RUNS).set(JOB_RUNS.LAST_SEQ, u.seq());
        boolean ended = false;
        if (u.kind() instanceof RunUpdate.Started) {
            update = update
                    .set(JOB_RUNS.STATUS, DSL.when(JOB_RUNS.STATUS.in(RunStatus.QUEUED.apiName(), RunStatus.SENT.apiName()),
                            RunStatus.RUNNING.apiName()).otherwise(JOB_RUNS.STATUS))
                    .set(JOB_RUNS.STARTED_AT, DSL.coalesce(JOB_RUNS.STARTED_AT, DSL.val(JobRepository.utc(u.at()))));
        } else if (u.kind() instanceof RunUpdate.Output o) {
            update = update.set(JOB_RUNS.OUTPUT_BYTES, JOB_RUNS.OUTPUT_BYTES.plus(o.droppedBefore() + o.data().length));
        } else if (u.kind() instanceof RunUpdate.Finished f) {
            // The agent's report is the truth: it replaces a state the server set while the agent was away.
            ended = true;
            update = update
                    .set(JOB_RUNS.STATUS, f.outcome().apiName())
                    .set(JOB_RUNS.EXIT_CODE, f.exitCode())
                    .set(JOB_RUNS.REASON, f.reason())
                    .set(JOB_RUNS.RECAP, repository.jsonb(f.recap()))
                    .set(JOB_RUNS.AGENT_FINISHED, true)
                    .set(JOB_RUNS.STARTED_AT, DSL.coalesce(JOB_RUNS.STARTED_AT, DSL.val(JobRepository.utc(u.at()))))
                    .set(JOB_RUNS.FINISHED_AT, JobRepository.utc(u.at()));
        }
        JobRunsRecord run = update
                .where(JOB_RUNS.ID.eq(u.runId().value()))
                .and(JOB_RUNS.NODE_ID.eq(p.node().value()))
                .and(JOB_RUNS.LAST_SEQ.eq(u.seq() - 1))
                .returning()
                .fetchOne();
        if (run == null) {
            // Already stored (a re-send after a lost ack), out of order, or not a run of this node: acknowledge what
            // is stored. For a run that does not exist (the job was deleted) acknowledge the update itself, so the
            // agent stops re-sending it.
            Long stored = tx.select(JOB_RUNS.LAST_SEQ).from(JOB_RUNS)
                    .where(JOB_RUNS.ID.eq(u.runId().value())).and(JOB_RUNS.NODE_ID.eq(p.node().value()))
                    .fetchOne(JOB_RUNS.LAST_SEQ);
            return new Applied(p, stored == null ? u.seq() : stored, null, null, false);
        }
        JobId job = new JobId(run.getJobId());
        if (ended) {
            // Other replicas may hold agents whose queued runs can now go (a window slot, the next batch).
            JobNotifications.progress(tx, job);
        }
        JobEvents.Event event = null;
        if (u.kind() instanceof RunUpdate.Output o) {
            long offset = run.getOutputBytes() - o.data().length;
            storeOutput(tx, run, u, o, offset);
            event = new JobEvents.Event(job, JobEvents.OUTPUT, new JobEvents.OutputEvent(u.runId(),
                    run.getNodeId().toString(), o.stream(), offset, new String(o.data(), StandardCharsets.UTF_8)));
        } else if (u.kind() instanceof RunUpdate.TaskEvent t) {
            tx.insertInto(RUN_EVENTS)
                    .set(RUN_EVENTS.RUN_ID, u.runId().value())
                    .set(RUN_EVENTS.SEQ, u.seq())
                    .set(RUN_EVENTS.KIND, t.kind())
                    .set(RUN_EVENTS.TASK, t.task())
                    .set(RUN_EVENTS.HOST, t.host())
                    .set(RUN_EVENTS.MESSAGE, t.message())
                    .set(RUN_EVENTS.AT, JobRepository.utc(u.at()))
                    .execute();
            event = new JobEvents.Event(job, JobEvents.TASK, new JobEvents.TaskEvent(u.runId(),
                    run.getNodeId().toString(), t.kind(), t.task(), t.host(), t.message()));
        } else {
            event = new JobEvents.Event(job, JobEvents.RUN, JobViews.run(run, repository.recap(run)));
        }
        return new Applied(p, u.seq(), run, event, ended);
    }

    /**
     * Keeps the chunk if it starts within the head, or within the tail; then deletes the tail chunks that the run's
     * output has left behind by more than tail-bytes. A chunk is kept or dropped whole, so head and tail may each
     * hold up to one chunk (64 KiB) more than configured.
     */
    private void storeOutput(DSLContext tx, JobRunsRecord run, RunUpdate u, RunUpdate.Output o, long offset) {
        tx.insertInto(RUN_OUTPUT)
                .set(RUN_OUTPUT.RUN_ID, u.runId().value())
                .set(RUN_OUTPUT.SEQ, u.seq())
                .set(RUN_OUTPUT.STREAM, o.stream())
                .set(RUN_OUTPUT.BYTE_OFFSET, offset)
                .set(RUN_OUTPUT.DATA, o.data())
                .set(RUN_OUTPUT.AT, JobRepository.utc(u.at()))
                .execute();
        long total = run.getOutputBytes();
        if (total > headBytes + tailBytes) {
            tx.deleteFrom(RUN_OUTPUT)
                    .where(RUN_OUTPUT.RUN_ID.eq(u.runId().value()))
                    .and(RUN_OUTPUT.BYTE_OFFSET.ge(headBytes))
                    .and(RUN_OUTPUT.BYTE_OFFSET.plus(DSL.field("octet_length({0})", Long.class, RUN_OUTPUT.DATA)).le(total - tailBytes))
                    .execute();
        }
    }
}
