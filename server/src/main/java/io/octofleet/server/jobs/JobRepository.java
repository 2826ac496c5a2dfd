package io.octofleet.server.jobs;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.octofleet.server.database.JsonColumns;
import io.octofleet.server.db.tables.records.JobRunsRecord;
import io.octofleet.server.db.tables.records.JobsRecord;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.targeting.Targets;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static io.octofleet.server.db.Tables.JOBS;
import static io.octofleet.server.db.Tables.JOB_RUNS;
import static io.octofleet.server.db.Tables.NODES;

/** The jobs and job_runs tables. Methods taking a {@link DSLContext} run inside the caller's transaction. */
@Singleton
final class JobRepository {
    private static final int BATCH = 1000;
    /** The latest attempt of each node (a retry supersedes the attempt before it). */
    private static final Condition LATEST_ATTEMPT = JOB_RUNS.SUPERSEDED.isFalse();

    private final DSLContext dsl;
    private final JsonColumns columns;

    JobRepository(DSLContext dsl, JsonColumns columns) {
        this.dsl = dsl;
        this.columns = columns;
    }

    DSLContext dsl() {
        return dsl;
    }

    /** A node a job runs on, with the hostname it has when the job starts (kept in the run's history). */
    record Target(NodeId node, String hostname) {
    }

    List<Target> targets(DSLContext tx, Collection<NodeId> nodes) {
        List<UUID> ids = nodes.stream().map(NodeId::value).toList();
        return tx.select(NODES.ID, NODES.HOSTNAME).from(NODES)
                .where(NODES.ID.in(ids))
                .orderBy(NODES.HOSTNAME, NODES.ID)
                .fetch(r -> new Target(new NodeId(r.value1()), r.value2()));
    }

    void insertJob(DSLContext tx, JobId id, OrganizationId organization, JobDefinition job, String createdBy,
                   Instant now, @Nullable JobId rerunOf, @Nullable UUID scheduleId) {
        tx.insertInto(JOBS)
                .set(JOBS.ID, id.value())
                .set(JOBS.ORGANIZATION_ID, organization.value())
                .set(JOBS.NAME, job.name())
                .set(JOBS.KIND, job.spec().kind())
                .set(JOBS.SPEC, columns.write(job.spec()))
                .set(JOBS.TARGETS, columns.write(job.targets()))
                .set(JOBS.TIMEOUT_SECONDS, (int) job.timeout().toSeconds())
                .set(JOBS.MAX_PARALLEL, job.maxParallel())
                .set(JOBS.BATCH_SIZE, job.batchSize())
                .set(JOBS.RETRIES, job.retries())
                .set(JOBS.CONTINUE_ON_FAILURE, job.continueOnFailure())
                .set(JOBS.RUN_AS, job.runAs())
                .set(JOBS.STATUS, JobStatus.RUNNING.apiName())
                .set(JOBS.CREATED_BY, createdBy)
                .set(JOBS.CREATED_AT, utc(now))
                .set(JOBS.EXPIRES_AT, utc(now.plus(job.expiresIn())))
                .set(JOBS.RERUN_OF, rerunOf == null ? null : rerunOf.value())
                .set(JOBS.SCHEDULE_ID, scheduleId)
                .execute();
    }

    /**
     * One queued run per target, attempt 1, cut into batches in target order: one {@code INSERT … SELECT FROM
     * unnest(…)} per 1,000 targets, where a statement per run made creating a 10,000-node job take seconds.
     */
    void insertRuns(DSLContext tx, JobId job, List<Target> targets, @Nullable Integer batchSize, Instant now) {
        for (int from = 0; from < targets.size(); from += BATCH) {
            int to = Math.min(targets.size(), from + BATCH);
            UUID[] ids = new UUID[to - from];
            UUID[] nodes = new UUID[to - from];
            String[] hostnames = new String[to - from];
            Integer[] batches = new Integer[to - from];
            for (int i = from; i < to; i++) {
                ids[i - from] = UUID.randomUUID();
                nodes[i - from] = targets.get(i).node().value();
                hostnames[i - from] = targets.get(i).hostname();
                batches[i - from] = batchSize == null ? 0 : i / batchSize;
            }
            tx.execute("INSERT INTO job_runs (id, job_id, node_id, hostname, attempt, batch, status, created_at) "
                            + "SELECT r.id, ?::uuid, r.node_id, r.hostname, 1, r.batch, ?, ?::timestamptz "
                            + "FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::int[]) AS r(id, node_id, hostname, batch)",
                    job.value(), RunStatus.QUEUED.apiName(), utc(now), ids, nodes, hostnames, batches);
        }
    }

    Optional<JobsRecord> job(DSLContext tx, JobId id) {
        return tx.selectFrom(JOBS).where(JOBS.ID.eq(id.value())).fetchOptional();
    }

    /** The job row, locked until the transaction ends: serialises the progress of one job across replicas. */
    Optional<JobsRecord> lockJob(DSLContext tx, JobId id) {
        return tx.selectFrom(JOBS).where(JOBS.ID.eq(id.value())).forUpdate().fetchOptional();
    }

    List<JobsRecord> jobs(Condition visible, @Nullable JobStatus status, @Nullable String createdBy, int offset,
                          int limit) {
        return dsl.selectFrom(JOBS).where(jobFilter(status, createdBy)).and(visible)
                .orderBy(JOBS.CREATED_AT.desc(), JOBS.ID)
                .offset(offset).limit(limit)
                .fetch();
    }

    int countJobs(Condition visible, @Nullable JobStatus status, @Nullable String createdBy) {
        return dsl.fetchCount(JOBS, jobFilter(status, createdBy).and(visible));
    }

    private static Condition jobFilter(@Nullable JobStatus status, @Nullable String createdBy) {
        Condition c = DSL.trueCondition();
        if (status != null) {
            c = c.and(JOBS.STATUS.eq(status.apiName()));
        }
        if (createdBy != null) {
            c = c.and(JOBS.CREATED_BY.eq(createdBy));
        }
        return c;
    }

    List<JobId> activeJobs() {
        return dsl.select(JOBS.ID).from(JOBS).where(JOBS.STATUS.eq(JobStatus.RUNNING.apiName()))
                .fetch(r -> new JobId(r.value1()));
    }

    /** The latest attempt per node, in target order. */
    List<JobRunsRecord> latestRuns(DSLContext tx, JobId job) {
        return tx.selectFrom(JOB_RUNS).where(JOB_RUNS.JOB_ID.eq(job.value())).and(LATEST_ATTEMPT)
                .orderBy(JOB_RUNS.BATCH, JOB_RUNS.HOSTNAME, JOB_RUNS.NODE_ID)
                .fetch();
    }

    /**
     * What {@link JobEngine#progress} needs to know about a job's latest runs when there is nothing to retry,
     * dispatch or advance, in one aggregate instead of every run as a record (10,000 records per call made the
     * engine the bottleneck of a fan-out: docs/benchmarks.md#load).
     *
     * @param queued runs waiting to be dispatched
     * @param retryable failed or timed-out runs with an attempt left
     * @param unfinished runs not in a terminal status
     * @param failures failed, timed-out or unreachable runs
     * @param notSucceeded runs in any status but succeeded
     * @param lastBatch the highest batch number, -1 without runs
     */
    record RunSummary(long total, long queued, long retryable, long unfinished, long failures, long notSucceeded,
                      int lastBatch) {
        /** As {@link JobStatus#summarise}, from counts. */
        JobStatus status(boolean cancelRequested) {
            if (unfinished > 0) {
                return JobStatus.RUNNING;
            }
            if (cancelRequested) {
                return JobStatus.CANCELLED;
            }
            return failures > 0 || notSucceeded > 0 ? JobStatus.FAILED : JobStatus.SUCCEEDED;
        }
    }

    RunSummary summary(DSLContext tx, JobId job, int retries) {
        Condition unfinished = JOB_RUNS.STATUS.in(Arrays.stream(RunStatus.values()).filter(r -> !r.terminal())
                .map(RunStatus::apiName).toList());
        Condition failures = JOB_RUNS.STATUS.in(RunStatus.FAILURES.stream().map(RunStatus::apiName).toList());
        Record r = tx.select(DSL.count(),
                        DSL.count().filterWhere(JOB_RUNS.STATUS.eq(RunStatus.QUEUED.apiName())),
                        DSL.count().filterWhere(JOB_RUNS.STATUS.in(RunStatus.FAILED.apiName(),
                                RunStatus.TIMED_OUT.apiName()).and(JOB_RUNS.ATTEMPT.le(retries))),
                        DSL.count().filterWhere(unfinished),
                        DSL.count().filterWhere(failures),
                        DSL.count().filterWhere(JOB_RUNS.STATUS.ne(RunStatus.SUCCEEDED.apiName())),
                        DSL.coalesce(DSL.max(JOB_RUNS.BATCH), -1))
                .from(JOB_RUNS).where(JOB_RUNS.JOB_ID.eq(job.value())).and(LATEST_ATTEMPT)
                .fetchOne();
        return new RunSummary(r.get(0, Long.class), r.get(1, Long.class), r.get(2, Long.class),
                r.get(3, Long.class), r.get(4, Long.class), r.get(5, Long.class), r.get(6, Integer.class));
    }

    Optional<JobRunsRecord> latestRun(JobId job, NodeId node) {
        return dsl.selectFrom(JOB_RUNS).where(JOB_RUNS.JOB_ID.eq(job.value())).and(JOB_RUNS.NODE_ID.eq(node.value()))
                .orderBy(JOB_RUNS.ATTEMPT.desc()).limit(1).fetchOptional();
    }

    Optional<JobRunsRecord> run(DSLContext tx, RunId run) {
        return tx.selectFrom(JOB_RUNS).where(JOB_RUNS.ID.eq(run.value())).fetchOptional();
    }

    Map<String, Long> counts(JobId job) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (RunStatus s : RunStatus.values()) {
            counts.put(s.apiName(), 0L);
        }
        long total = 0;
        for (Record r : dsl.select(JOB_RUNS.STATUS, DSL.count()).from(JOB_RUNS)
                .where(JOB_RUNS.JOB_ID.eq(job.value())).and(LATEST_ATTEMPT)
                .groupBy(JOB_RUNS.STATUS).fetch()) {
            long n = r.get(1, Long.class);
            counts.put(r.get(JOB_RUNS.STATUS), n);
            total += n;
        }
        counts.put("total", total);
        return counts;
    }

    /** Marks queued runs sent (only those still queued: another replica may have taken some) and returns them. */
    List<JobRunsRecord> markSent(DSLContext tx, Collection<UUID> runs, Instant now) {
        if (runs.isEmpty()) {
            return List.of();
        }
        return tx.update(JOB_RUNS)
                .set(JOB_RUNS.STATUS, RunStatus.SENT.apiName())
                .set(JOB_RUNS.SENT_AT, utc(now))
                .where(JOB_RUNS.ID.in(runs))
                .and(JOB_RUNS.STATUS.eq(RunStatus.QUEUED.apiName()))
                .returning()
                .fetch();
    }

    /** Runs of the node that must be (re)sent now it connected: sent but not started, or cancelled but not ended. */
    List<JobRunsRecord> undeliveredRuns(NodeId node) {
        return dsl.selectFrom(JOB_RUNS)
                .where(JOB_RUNS.NODE_ID.eq(node.value()))
                .and(JOB_RUNS.STATUS.in(RunStatus.QUEUED.apiName(), RunStatus.SENT.apiName(),
                        RunStatus.RUNNING.apiName()))
                .orderBy(JOB_RUNS.CREATED_AT)
                .fetch();
    }

    /**
     * Runs the server cancelled while their agent was away: the agent may hold them without the server knowing, so
     * it is told to cancel when it connects. Bounded to a week, as the agent remembers runs that long.
     */
    List<RunId> pendingCancels(NodeId node, Instant now) {
        return dsl.select(JOB_RUNS.ID).from(JOB_RUNS)
                .where(JOB_RUNS.NODE_ID.eq(node.value()))
                .and(JOB_RUNS.CANCEL_REQUESTED.isTrue())
                .and(JOB_RUNS.AGENT_FINISHED.isFalse())
                .and(JOB_RUNS.SENT_AT.isNotNull())
                .and(JOB_RUNS.CREATED_AT.gt(utc(now.minusSeconds(7 * 24 * 3600))))
                .fetch(r -> new RunId(r.value1()));
    }

    /** Ends the given runs with a status the server decided (provisional until the agent reports otherwise). */
    List<JobRunsRecord> endRuns(DSLContext tx, Condition which, RunStatus status, String reason, Instant now) {
        return tx.update(JOB_RUNS)
                .set(JOB_RUNS.STATUS, status.apiName())
                .set(JOB_RUNS.REASON, reason)
                .set(JOB_RUNS.FINISHED_AT, utc(now))
                .where(which)
                .returning()
                .fetch();
    }

    void insertRetry(DSLContext tx, JobRunsRecord failed, Instant now) {
        tx.update(JOB_RUNS).set(JOB_RUNS.SUPERSEDED, true).where(JOB_RUNS.ID.eq(failed.getId())).execute();
        JobRunsRecord row = tx.newRecord(JOB_RUNS);
        row.setId(UUID.randomUUID());
        row.setJobId(failed.getJobId());
        row.setNodeId(failed.getNodeId());
        row.setHostname(failed.getHostname());
        row.setAttempt(failed.getAttempt() + 1);
        row.setBatch(failed.getBatch());
        row.setStatus(RunStatus.QUEUED.apiName());
        row.setCreatedAt(utc(now));
        row.insert();
    }

    JobSpec spec(JobsRecord job) {
        Class<? extends JobSpec> type = switch (job.getKind()) {
            case ShellJob.KIND -> ShellJob.class;
            case ScriptJob.KIND -> ScriptJob.class;
            case AnsibleJob.KIND -> AnsibleJob.class;
            case InventoryJob.KIND -> InventoryJob.class;
            default -> throw new IllegalStateException("job " + job.getId() + " has unknown kind " + job.getKind());
        };
        return columns.read(job.getSpec(), Argument.of(type));
    }

    Targets targets(JobsRecord job) {
        return columns.read(job.getTargets(), Argument.of(Targets.class));
    }

    @Nullable PlayRecap recap(JobRunsRecord run) {
        return run.getRecap() == null ? null : columns.read(run.getRecap(), Argument.of(PlayRecap.class));
    }

    static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    static @Nullable Instant instant(@Nullable OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    /** For the recorder, which writes run rows itself. */
    JSONB jsonb(Object value) {
        return columns.write(value);
    }
}
