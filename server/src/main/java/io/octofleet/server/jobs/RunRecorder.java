package io.octofleet.server.jobs;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
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
            applied = repository.dsl().transactionResult(cfg -> applyAll(cfg.dsl(), batch));
        } catch (RuntimeException batchFailed) {
            // One bad update must not hold back the others: store them one by one, and let the failed ones be sent
            // again (the session is ended, so the agent reconnects and re-sends what is not acknowledged).
            applied = new ArrayList<>();
            for (Pending p : batch) {
                try {
                    applied.addAll(repository.dsl().transactionResult(cfg -> applyAll(cfg.dsl(), List.of(p))));
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

    /**
     * Stores a batch in a few statements however many runs it holds: the batch is cut into rounds, round k holding
     * the k-th update of each run in it, and each round is one {@code UPDATE … FROM unnest(…)} of the runs, one
     * insert of its output chunks and one of its task events. A fan-out's started/output/finished updates of 500 runs
     * are so 3 rounds, where one statement per update made the recorder the slowest part of a 10,000-agent job.
     * Order within a run is kept (round by round), which is all the sequence check needs.
     */
    private List<Applied> applyAll(DSLContext tx, List<Pending> batch) {
        List<List<Pending>> rounds = new ArrayList<>();
        Map<RunId, Integer> updatesOfRun = new HashMap<>();
        for (Pending p : batch) {
            int round = updatesOfRun.merge(p.update().runId(), 1, Integer::sum) - 1;
            if (round == rounds.size()) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(round).add(p);
        }
        List<Applied> out = new ArrayList<>(batch.size());
        Set<JobId> ended = new LinkedHashSet<>();
        for (List<Pending> round : rounds) {
            applyRound(tx, round, out, ended);
        }
        // Other replicas may hold agents whose queued runs can now go (a window slot, the next batch).
        ended.forEach(job -> JobNotifications.progress(tx, job));
        return out;
    }

    /** The updates of one round: at most one per run. */
    private void applyRound(DSLContext tx, List<Pending> round, List<Applied> out, Set<JobId> ended) {
        int n = round.size();
        UUID[] runIds = new UUID[n];
        UUID[] nodeIds = new UUID[n];
        Long[] seqs = new Long[n];
        String[] kinds = new String[n];
        String[] ats = new String[n];
        String[] outcomes = new String[n];
        Integer[] exitCodes = new Integer[n];
        String[] reasons = new String[n];
        String[] recaps = new String[n];
        Long[] outputGrowth = new Long[n];
        for (int i = 0; i < n; i++) {
            Pending p = round.get(i);
            RunUpdate u = p.update();
            runIds[i] = u.runId().value();
            nodeIds[i] = p.node().value();
            seqs[i] = u.seq();
            ats[i] = u.at().toString();
            outputGrowth[i] = 0L;
            if (u.kind() instanceof RunUpdate.Started) {
                kinds[i] = "started";
            } else if (u.kind() instanceof RunUpdate.Output o) {
                kinds[i] = "output";
                outputGrowth[i] = o.droppedBefore() + o.data().length;
            } else if (u.kind() instanceof RunUpdate.Finished f) {
                kinds[i] = "finished";
                outcomes[i] = f.outcome().apiName();
                exitCodes[i] = f.exitCode();
                reasons[i] = f.reason();
                JSONB recap = repository.jsonb(f.recap());
                recaps[i] = recap == null ? null : recap.data();
            } else {
                kinds[i] = "event";
            }
        }
        // A started run is running unless the server already ended it; a finished report is the truth and replaces
        // a state the server set while the agent was away. Every update advances last_seq, and only from seq - 1.
        Map<UUID, JobRunsRecord> stored = new HashMap<>();
        for (JobRunsRecord run : tx.fetch("UPDATE job_runs r SET last_seq = v.seq, "
                        + "status = CASE v.kind WHEN 'finished' THEN v.outcome "
                        + "  WHEN 'started' THEN CASE WHEN r.status IN ('queued', 'sent') THEN 'running' ELSE r.status END "
                        + "  ELSE r.status END, "
                        + "started_at = CASE WHEN v.kind IN ('started', 'finished') "
                        + "  THEN coalesce(r.started_at, v.at::timestamptz) ELSE r.started_at END, "
                        + "output_bytes = r.output_bytes + v.output_growth, "
                        + "exit_code = CASE WHEN v.kind = 'finished' THEN v.exit_code ELSE r.exit_code END, "
                        + "reason = CASE WHEN v.kind = 'finished' THEN v.reason ELSE r.reason END, "
                        + "recap = CASE WHEN v.kind = 'finished' THEN v.recap::jsonb ELSE r.recap END, "
                        + "agent_finished = r.agent_finished OR v.kind = 'finished', "
                        + "finished_at = CASE WHEN v.kind = 'finished' THEN v.at::timestamptz ELSE r.finished_at END "
                        + "FROM unnest(?::uuid[], ?::uuid[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::int[], "
                        + "  ?::text[], ?::text[], ?::bigint[]) "
                        + "AS v(run_id, node_id, seq, kind, at, outcome, exit_code, reason, recap, output_growth) "
                        + "WHERE r.id = v.run_id AND r.node_id = v.node_id AND r.last_seq = v.seq - 1 "
                        + "RETURNING r.*",
                runIds, nodeIds, seqs, kinds, ats, outcomes, exitCodes, reasons, recaps, outputGrowth).into(JOB_RUNS)) {
            stored.put(run.getId(), run);
        }
        Map<UUID, Long> lastSeqOfMissed = new HashMap<>();
        if (stored.size() < n) {
            // Already stored (a re-send after a lost ack), out of order, or not a run of this node: acknowledge what
            // is stored. For a run that does not exist (the job was deleted) acknowledge the update itself, so the
            // agent stops re-sending it.
            Map<UUID, UUID> senderOfMissed = new HashMap<>();
            round.stream().filter(p -> !stored.containsKey(p.update().runId().value()))
                    .forEach(p -> senderOfMissed.put(p.update().runId().value(), p.node().value()));
            tx.select(JOB_RUNS.ID, JOB_RUNS.NODE_ID, JOB_RUNS.LAST_SEQ).from(JOB_RUNS)
                    .where(JOB_RUNS.ID.in(senderOfMissed.keySet()))
                    .forEach(r -> {
                        if (r.value2().equals(senderOfMissed.get(r.value1()))) {
                            lastSeqOfMissed.put(r.value1(), r.value3());
                        }
                    });
        }
        var outputRows = tx.insertInto(RUN_OUTPUT, RUN_OUTPUT.RUN_ID, RUN_OUTPUT.SEQ, RUN_OUTPUT.STREAM,
                RUN_OUTPUT.BYTE_OFFSET, RUN_OUTPUT.DATA, RUN_OUTPUT.AT);
        var eventRows = tx.insertInto(RUN_EVENTS, RUN_EVENTS.RUN_ID, RUN_EVENTS.SEQ, RUN_EVENTS.KIND, RUN_EVENTS.TASK,
                RUN_EVENTS.HOST, RUN_EVENTS.MESSAGE, RUN_EVENTS.AT);
        int outputs = 0;
        int taskEvents = 0;
        List<JobRunsRecord> overflowing = new ArrayList<>();
        for (Pending p : round) {
            RunUpdate u = p.update();
            JobRunsRecord run = stored.get(u.runId().value());
            if (run == null) {
                Long storedSeq = lastSeqOfMissed.get(u.runId().value());
                out.add(new Applied(p, storedSeq == null ? u.seq() : storedSeq, null, null, false));
                continue;
            }
            JobId job = new JobId(run.getJobId());
            boolean finished = u.kind() instanceof RunUpdate.Finished;
            if (finished) {
                ended.add(job);
            }
            JobEvents.Event event;
            if (u.kind() instanceof RunUpdate.Output o) {
                long offset = run.getOutputBytes() - o.data().length;
                outputRows = outputRows.values(u.runId().value(), u.seq(), o.stream(), offset, o.data(),
                        JobRepository.utc(u.at()));
                outputs++;
                if (run.getOutputBytes() > headBytes + tailBytes) {
                    overflowing.add(run);
                }
                event = new JobEvents.Event(job, JobEvents.OUTPUT, new JobEvents.OutputEvent(u.runId(),
                        run.getNodeId().toString(), o.stream(), offset, new String(o.data(), StandardCharsets.UTF_8)));
            } else if (u.kind() instanceof RunUpdate.TaskEvent t) {
                eventRows = eventRows.values(u.runId().value(), u.seq(), t.kind(), t.task(), t.host(), t.message(),
                        JobRepository.utc(u.at()));
                taskEvents++;
                event = new JobEvents.Event(job, JobEvents.TASK, new JobEvents.TaskEvent(u.runId(),
                        run.getNodeId().toString(), t.kind(), t.task(), t.host(), t.message()));
            } else {
                event = new JobEvents.Event(job, JobEvents.RUN, JobViews.run(run, repository.recap(run)));
            }
            out.add(new Applied(p, u.seq(), run, event, finished));
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
