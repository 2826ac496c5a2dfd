package io.octofleet.server.jobs;

import io.micronaut.context.annotation.Value;
import io.octofleet.server.db.tables.records.JobRunsRecord;
import io.octofleet.server.nodes.NodeId;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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

    /**
     * Receives the outcome of the updates submitted with it, on the writer thread, after the commit. One receipt may
     * serve many updates and runs (a session has one): it hears once per stored batch and run, with the highest
     * number stored, which covers every update of that run the batch held.
     */
    public interface Receipt {
        /** Every update of the run up to {@code throughSeq} is stored. */
        void stored(RunId run, long throughSeq);

        /** The update could not be stored (database failure); the agent must send it again later. */
        void failed(RunId run, Exception cause);
    }

    private record Pending(NodeId node, RunUpdate update, Receipt receipt) {
    }

    /** An update's acknowledgement: every update of its run up to {@code throughSeq} is stored. */
    private record Ack(Pending pending, long throughSeq) {
    }

    /** What a batch changed, for acks, SSE and job progress after the commit. */
    private record Applied(List<Ack> acks, List<JobEvents.Event> events, Set<JobId> ended) {
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
        List<Applied> applied = new ArrayList<>();
        try {
            applied.add(repository.dsl().transactionResult(cfg -> applyAll(cfg.dsl(), batch)));
        } catch (RuntimeException batchFailed) {
            // One bad update must not hold back the others: store them one by one, and let the failed ones be sent
            // again (the session is ended, so the agent reconnects and re-sends what is not acknowledged).
            for (Pending p : batch) {
                try {
                    applied.add(repository.dsl().transactionResult(cfg -> applyAll(cfg.dsl(), List.of(p))));
                } catch (RuntimeException e) {
                    LOG.warn("Cannot store update {} of run {} from node {}: {}", p.update().seq(),
                            p.update().runId(), p.node(), e.toString());
                    p.receipt().failed(p.update().runId(), e);
                }
            }
        }
        // One acknowledgement per receipt and run, with the highest number: a fan-out's three updates of a run are
        // one RunAck to its agent instead of three.
        Map<Receipt, Map<RunId, Long>> through = new IdentityHashMap<>();
        Set<JobId> progressed = new LinkedHashSet<>();
        for (Applied a : applied) {
            for (Ack ack : a.acks()) {
                through.computeIfAbsent(ack.pending().receipt(), r -> new LinkedHashMap<>())
                        .merge(ack.pending().update().runId(), ack.throughSeq(), Math::max);
            }
            progressed.addAll(a.ended());
        }
        through.forEach((receipt, runs) -> runs.forEach(receipt::stored));
        applied.forEach(a -> a.events().forEach(events::publish));
        progressed.forEach(engine::progressLater);
    }

    /**
     * Stores a batch in a few statements however many runs it holds. The runs' stored sequence numbers are read in
     * one query; the updates of each run that follow on from its number are folded into one change of its row; the
     * changes of all runs are one {@code UPDATE … FROM unnest(…)}, their output chunks and task events one insert
     * each. When a fan-out's started, output and finished of one run land in the same batch, the run's row gets one
     * new version instead of three (a status change rewrites every index of {@code job_runs}); the recorder was the
     * longest chain of a 10,000-agent job (docs/benchmarks.md, "wall-clock profile"). An update already stored (a re-send after a lost ack) or out of order is
     * acknowledged with what is stored; the update checks the number it read, so a concurrent writer cannot make it
     * store one twice.
     */
    private Applied applyAll(DSLContext tx, List<Pending> batch) {
        Map<UUID, List<Pending>> byRun = new LinkedHashMap<>();
        for (Pending p : batch) {
            byRun.computeIfAbsent(p.update().runId().value(), run -> new ArrayList<>()).add(p);
        }
        Map<UUID, StoredSeq> stored = new HashMap<>();
        tx.fetch("SELECT id, node_id, last_seq FROM job_runs WHERE id = ANY(?::uuid[])",
                        (Object) byRun.keySet().toArray(UUID[]::new))
                .forEach(r -> stored.put(r.get(0, UUID.class), new StoredSeq(r.get(1, UUID.class), r.get(2, Long.class))));
        List<Ack> acks = new ArrayList<>(batch.size());
        List<RunChange> changes = new ArrayList<>();
        byRun.forEach((runId, updates) -> {
            StoredSeq run = stored.get(runId);
            List<Pending> chain = new ArrayList<>();
            List<Pending> skipped = new ArrayList<>();
            long last = run == null ? 0 : run.lastSeq();
            for (Pending p : updates) {
                if (run == null || !run.node().equals(p.node().value())) {
                    // Not a run of this node, or none at all (the job was deleted): acknowledge the update itself,
                    // so the agent stops re-sending it; store it nowhere.
                    acks.add(new Ack(p, p.update().seq()));
                } else if (p.update().seq() == last + 1) {
                    chain.add(p);
                    last++;
                } else {
                    skipped.add(p); // stored before, or out of order: acknowledged with what is stored
                }
            }
            if (chain.isEmpty()) {
                long through = last;
                skipped.forEach(p -> acks.add(new Ack(p, through)));
            } else {
                changes.add(new RunChange(runId, run.node(), run.lastSeq(), last, chain, skipped));
            }
        });
        List<JobEvents.Event> published = new ArrayList<>();
        Set<JobId> ended = new LinkedHashSet<>();
        if (!changes.isEmpty()) {
            store(tx, changes, acks, published, ended);
        }
        // Other replicas may hold agents whose queued runs can now go (a window slot, the next batch).
        ended.forEach(job -> JobNotifications.progress(tx, job));
        return new Applied(acks, published, ended);
    }

    private record StoredSeq(UUID node, long lastSeq) {
    }

    /** A run's updates {@code fromSeq + 1 … toSeq} of this batch, in order, and those of it already stored. */
    private record RunChange(UUID run, UUID node, long fromSeq, long toSeq, List<Pending> chain,
                             List<Pending> skipped) {
    }

    private void store(DSLContext tx, List<RunChange> changes, List<Ack> acks, List<JobEvents.Event> published,
                       Set<JobId> ended) {
        int n = changes.size();
        UUID[] runIds = new UUID[n];
        UUID[] nodeIds = new UUID[n];
        Long[] fromSeqs = new Long[n];
        Long[] toSeqs = new Long[n];
        Boolean[] started = new Boolean[n];
        String[] startedAt = new String[n];
        String[] outcomes = new String[n];
        Integer[] exitCodes = new Integer[n];
        String[] reasons = new String[n];
        String[] recaps = new String[n];
        String[] finishedAt = new String[n];
        Long[] outputGrowth = new Long[n];
        for (int i = 0; i < n; i++) {
            RunChange c = changes.get(i);
            runIds[i] = c.run();
            nodeIds[i] = c.node();
            fromSeqs[i] = c.fromSeq();
            toSeqs[i] = c.toSeq();
            started[i] = false;
            outputGrowth[i] = 0L;
            // The updates in order, as one: a started run is running unless the server already ended it, it started
            // at its first start (or finish), and a finished report is the truth, replacing a state the server set
            // while the agent was away.
            for (Pending p : c.chain()) {
                RunUpdate u = p.update();
                if (u.kind() instanceof RunUpdate.Started) {
                    started[i] = true;
                    startedAt[i] = startedAt[i] == null ? u.at().toString() : startedAt[i];
                } else if (u.kind() instanceof RunUpdate.Output o) {
                    outputGrowth[i] += o.droppedBefore() + o.data().length;
                } else if (u.kind() instanceof RunUpdate.Finished f) {
                    startedAt[i] = startedAt[i] == null ? u.at().toString() : startedAt[i];
                    outcomes[i] = f.outcome().apiName();
                    exitCodes[i] = f.exitCode();
                    reasons[i] = f.reason();
                    JSONB recap = repository.jsonb(f.recap());
                    recaps[i] = recap == null ? null : recap.data();
                    finishedAt[i] = u.at().toString();
                }
            }
        }
        Map<UUID, JobRunsRecord> updated = new HashMap<>();
        for (JobRunsRecord run : tx.fetch("UPDATE job_runs r SET last_seq = v.to_seq, "
                        + "status = CASE WHEN v.outcome IS NOT NULL THEN v.outcome "
                        + "  WHEN v.started AND r.status IN ('queued', 'sent') THEN 'running' ELSE r.status END, "
                        + "started_at = coalesce(r.started_at, v.started_at::timestamptz), "
                        + "output_bytes = r.output_bytes + v.output_growth, "
                        + "exit_code = CASE WHEN v.outcome IS NOT NULL THEN v.exit_code ELSE r.exit_code END, "
                        + "reason = CASE WHEN v.outcome IS NOT NULL THEN v.reason ELSE r.reason END, "
                        + "recap = CASE WHEN v.outcome IS NOT NULL THEN v.recap::jsonb ELSE r.recap END, "
                        + "agent_finished = r.agent_finished OR v.outcome IS NOT NULL, "
                        + "finished_at = CASE WHEN v.outcome IS NOT NULL THEN v.finished_at::timestamptz "
                        + "  ELSE r.finished_at END "
                        + "FROM unnest(?::uuid[], ?::uuid[], ?::bigint[], ?::bigint[], ?::boolean[], ?::text[], "
                        + "  ?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::bigint[]) "
                        + "AS v(run_id, node_id, from_seq, to_seq, started, started_at, outcome, exit_code, reason, "
                        + "  recap, finished_at, output_growth) "
                        + "WHERE r.id = v.run_id AND r.node_id = v.node_id AND r.last_seq = v.from_seq "
                        + "RETURNING r.*",
                runIds, nodeIds, fromSeqs, toSeqs, started, startedAt, outcomes, exitCodes, reasons, recaps,
                finishedAt, outputGrowth).into(JOB_RUNS)) {
            updated.put(run.getId(), run);
        }
        List<RunChange> raced = changes.stream().filter(c -> !updated.containsKey(c.run())).toList();
        if (!raced.isEmpty()) {
            // Another writer advanced the run since it was read: acknowledge what is stored now.
            Map<UUID, Long> now = new HashMap<>();
            tx.select(JOB_RUNS.ID, JOB_RUNS.LAST_SEQ).from(JOB_RUNS)
                    .where(JOB_RUNS.ID.in(raced.stream().map(RunChange::run).toList()))
                    .forEach(r -> now.put(r.value1(), r.value2()));
            for (RunChange c : raced) {
                long through = now.getOrDefault(c.run(), c.fromSeq());
                c.chain().forEach(p -> acks.add(new Ack(p, through)));
                c.skipped().forEach(p -> acks.add(new Ack(p, through)));
            }
        }
        var outputRows = tx.insertInto(RUN_OUTPUT, RUN_OUTPUT.RUN_ID, RUN_OUTPUT.SEQ, RUN_OUTPUT.STREAM,
                RUN_OUTPUT.BYTE_OFFSET, RUN_OUTPUT.DATA, RUN_OUTPUT.AT);
        var eventRows = tx.insertInto(RUN_EVENTS, RUN_EVENTS.RUN_ID, RUN_EVENTS.SEQ, RUN_EVENTS.KIND, RUN_EVENTS.TASK,
                RUN_EVENTS.HOST, RUN_EVENTS.MESSAGE, RUN_EVENTS.AT);
        int outputs = 0;
        int taskEvents = 0;
        List<JobRunsRecord> overflowing = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RunChange c = changes.get(i);
            JobRunsRecord run = updated.get(c.run());
            if (run == null) {
                continue;
            }
            JobId job = new JobId(run.getJobId());
            // Where this batch's output starts in the run's whole output.
            long offset = run.getOutputBytes() - outputGrowth[i];
            for (Pending p : c.chain()) {
                RunUpdate u = p.update();
                acks.add(new Ack(p, c.toSeq()));
                if (u.kind() instanceof RunUpdate.Output o) {
                    offset += o.droppedBefore();
                    outputRows = outputRows.values(c.run(), u.seq(), o.stream(), offset, o.data(),
                            JobRepository.utc(u.at()));
                    outputs++;
                    published.add(new JobEvents.Event(job, JobEvents.OUTPUT, new JobEvents.OutputEvent(u.runId(),
                            c.node().toString(), o.stream(), offset, new String(o.data(), StandardCharsets.UTF_8))));
                    offset += o.data().length;
                } else if (u.kind() instanceof RunUpdate.TaskEvent t) {
                    eventRows = eventRows.values(c.run(), u.seq(), t.kind(), t.task(), t.host(), t.message(),
                            JobRepository.utc(u.at()));
                    taskEvents++;
                    published.add(new JobEvents.Event(job, JobEvents.TASK, new JobEvents.TaskEvent(u.runId(),
                            c.node().toString(), t.kind(), t.task(), t.host(), t.message())));
                }
            }
            c.skipped().forEach(p -> acks.add(new Ack(p, c.toSeq())));
            if (started[i] || outcomes[i] != null) {
                published.add(new JobEvents.Event(job, JobEvents.RUN, JobViews.run(run, repository.recap(run))));
            }
            if (outcomes[i] != null) {
                ended.add(job);
            }
            if (outputGrowth[i] > 0 && run.getOutputBytes() > headBytes + tailBytes) {
                overflowing.add(run);
            }
        }
        if (outputs > 0) {
            outputRows.execute();
        }
        if (taskEvents > 0) {
            eventRows.execute();
        }
        overflowing.forEach(run -> dropMiddle(tx, run));
    }

    /**
     * Deletes the chunks the run's output has left behind by more than tail-bytes, beyond the head. A chunk is kept or
     * dropped whole, so head and tail may each hold up to one chunk (64 KiB) more than configured.
     */
    private void dropMiddle(DSLContext tx, JobRunsRecord run) {
        long total = run.getOutputBytes();
        tx.deleteFrom(RUN_OUTPUT)
                .where(RUN_OUTPUT.RUN_ID.eq(run.getId()))
                .and(RUN_OUTPUT.BYTE_OFFSET.ge(headBytes))
                .and(RUN_OUTPUT.BYTE_OFFSET.plus(DSL.field("octet_length({0})", Long.class, RUN_OUTPUT.DATA)).le(total - tailBytes))
                .execute();
    }
}
