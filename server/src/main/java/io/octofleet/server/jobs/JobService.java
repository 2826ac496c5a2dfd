package io.octofleet.server.jobs;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.db.tables.records.JobRunsRecord;
import io.octofleet.server.db.tables.records.JobsRecord;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.nodes.Node;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeQuery;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.targeting.TargetingService;
import io.octofleet.server.targeting.Targets;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static io.octofleet.server.db.Tables.JOBS;
import static io.octofleet.server.db.Tables.JOB_RUNS;
import static io.octofleet.server.db.Tables.NODES;
import static io.octofleet.server.db.Tables.RUN_OUTPUT;

/** Jobs as the API sees them: start, read, cancel, rerun, output. The {@link JobEngine} moves them forward. */
@Singleton
public class JobService {
    private static final Logger LOG = LoggerFactory.getLogger(JobService.class);
    static final int MAX_PAGE = 500;
    /** Most bytes one output request returns; the client continues from the offset it is given. */
    static final int MAX_OUTPUT_READ = 4 * 1024 * 1024;

    private final JobRepository repository;
    private final JobEngine engine;
    private final TargetingService targeting;
    private final Duration defaultExpiry;
    private final NodeService nodeService;
    private final Organizations organizations;

    JobService(JobRepository repository, JobEngine engine, TargetingService targeting, NodeService nodeService,
               Organizations organizations,
               @Value("${octofleet.jobs.default-expiry:1h}") Duration defaultExpiry) {
        this.repository = repository;
        this.engine = engine;
        this.targeting = targeting;
        this.nodeService = nodeService;
        this.organizations = organizations;
        this.defaultExpiry = defaultExpiry;
    }

    /** Checks a job request without starting it (a schedule's template); throws what {@link #start} would. */
    public void validate(JobRequest request) {
        requireRunnable(request.definition(defaultExpiry));
    }

    /**
     * Validates the request, resolves its targets in {@code organization} now and records one queued run per node;
     * then sends. {@code allowed} (a condition on {@code nodes}) is where the caller may run jobs when that is not
     * the whole organization (a binding narrowed to groups); null when it is.
     *
     * @throws ApiException forbidden when a target is outside {@code allowed}
     */
    public Job start(JobRequest request, OrganizationId organization, @Nullable Condition allowed, String createdBy,
                     @Nullable UUID scheduleId) {
        return start(request.definition(defaultExpiry), organization, allowed, createdBy, null, scheduleId);
    }

    private Job start(JobDefinition definition, OrganizationId organization, @Nullable Condition allowed,
                      String createdBy, @Nullable JobId rerunOf, @Nullable UUID scheduleId) {
        requireRunnable(definition);
        Set<NodeId> nodes = targeting.resolve(definition.targets(), organization);
        if (nodes.isEmpty()) {
            throw new ApiException(io.micronaut.http.HttpStatus.UNPROCESSABLE_ENTITY, "no-targets",
                    "the job's targets match no nodes");
        }
        if (allowed != null && nodeService.existing(nodes, allowed).size() != nodes.size()) {
            throw new ApiException(io.micronaut.http.HttpStatus.FORBIDDEN, "forbidden",
                    "the targets include nodes outside the groups where you may run jobs");
        }
        JobId id = JobId.random();
        Instant now = Instant.now();
        int runs = repository.dsl().transactionResult(cfg -> {
            List<JobRepository.Target> targets = repository.targets(cfg.dsl(), nodes);
            repository.insertJob(cfg.dsl(), id, organization, definition, createdBy, now, rerunOf, scheduleId);
            repository.insertRuns(cfg.dsl(), id, targets, definition.batchSize(), now);
            JobNotifications.progress(cfg.dsl(), id);
            return targets.size();
        });
        LOG.info("Job {} ({}, {}) started by {} on {} node(s)", id, definition.name(), definition.spec().kind(),
                createdBy, runs);
        engine.progressLater(id);
        return get(id);
    }

    private void requireRunnable(JobDefinition definition) {
        if (definition.spec() instanceof AnsibleJob a && a.direct() && !engine.directModeAvailable()) {
            throw new ApiException(io.micronaut.http.HttpStatus.UNPROCESSABLE_ENTITY, "direct-mode-unavailable",
                    "direct-mode Ansible needs ansible-runner on the server's host, and it is not installed there");
        }
    }

    /** Where a run stands, for reports that arrive without the agent's own numbering (legacy agents). */
    public record RunState(RunId id, JobId job, NodeId node, RunStatus status, long lastSeq, boolean agentFinished) {
    }

    public Optional<RunState> runState(RunId run) {
        return repository.run(repository.dsl(), run).map(r -> new RunState(new RunId(r.getId()),
                new JobId(r.getJobId()), new NodeId(r.getNodeId()), RunStatus.fromDb(r.getStatus()), r.getLastSeq(),
                r.getAgentFinished()));
    }

    public Job get(JobId id) {
        JobsRecord job = repository.job(repository.dsl(), id).orElseThrow(() -> ApiException.notFound("job " + id));
        List<Run> runs = repository.latestRuns(repository.dsl(), id).stream()
                .map(r -> JobViews.run(r, repository.recap(r))).toList();
        return view(job, runs);
    }

    /**
     * Where an operator's permission lets them see jobs, as a condition on {@code jobs}: every job of the
     * organizations they hold it in wholly, and their own jobs where it comes from a binding narrowed to groups.
     */
    Condition visibleTo(Operator operator, Permission permission) {
        Operator.Scope scope = operator.scope(permission);
        Condition visible = scope.wholeOrganizations(JOBS.ORGANIZATION_ID);
        if (!scope.groups().isEmpty()) {
            visible = visible.or(JOBS.ORGANIZATION_ID.in(scope.groups().keySet().stream()
                    .map(OrganizationId::value).toList()).and(JOBS.CREATED_BY.eq(operator.username())));
        }
        return visible;
    }

    /** The job's organization if {@code visible} selects it. @throws ApiException not-found otherwise */
    OrganizationId require(JobId id, Condition visible) {
        return repository.dsl().select(JOBS.ORGANIZATION_ID).from(JOBS).where(JOBS.ID.eq(id.value())).and(visible)
                .fetchOptional(r -> new OrganizationId(r.value1()))
                .orElseThrow(() -> ApiException.notFound("job " + id));
    }

    /** The job without its runs. */
    Job summary(JobId id) {
        return view(repository.job(repository.dsl(), id).orElseThrow(() -> ApiException.notFound("job " + id)), null);
    }

    /** Jobs with a run on {@code node} (a condition on {@code jobs}). */
    static Condition ranOn(NodeId node) {
        return DSL.exists(DSL.selectOne().from(JOB_RUNS)
                .where(JOB_RUNS.JOB_ID.eq(JOBS.ID).and(JOB_RUNS.NODE_ID.eq(node.value()))));
    }

    /**
     * The nodes a job with {@code targets} would run on if started now, the first {@code limit} by hostname, and how
     * many: a dry run of {@link #start} that refuses what it would refuse (an unknown group, a bad rule, nodes
     * outside {@code allowed}), but finds no targets without complaint.
     */
    Page<Node> preview(Targets targets, OrganizationId organization, @Nullable Condition allowed, int limit) {
        Set<NodeId> nodes = targets.isEmpty() ? Set.of() : targeting.resolve(targets, organization);
        if (allowed != null && nodeService.existing(nodes, allowed).size() != nodes.size()) {
            throw new ApiException(io.micronaut.http.HttpStatus.FORBIDDEN, "forbidden",
                    "the targets include nodes outside the groups where you may run jobs");
        }
        if (nodes.isEmpty()) {
            return new Page<>(List.of(), 0);
        }
        return nodeService.list(new NodeQuery(null, null, null, null, 0, limit, NodeQuery.Sort.HOSTNAME, false),
                NODES.ID.eq(DSL.any(nodes.stream().map(NodeId::value).toArray(UUID[]::new))));
    }

    Page<Job> list(Condition visible, @Nullable String status, @Nullable String createdBy, @Nullable String page,
                   @Nullable String size) {
        JobStatus wanted = null;
        if (status != null) {
            wanted = JobStatus.fromApi(status);
            if (wanted == null) {
                throw ApiException.invalid("status must be running, succeeded, failed or cancelled, got '" + status + "'");
            }
        }
        int pageNumber = number("page", page, 1, 1, Integer.MAX_VALUE);
        int pageSize = number("size", size, 50, 1, MAX_PAGE);
        List<Job> jobs = repository.jobs(visible, wanted, createdBy, (pageNumber - 1) * pageSize, pageSize).stream()
                .map(j -> view(j, null)).toList();
        return new Page<>(jobs, repository.countJobs(visible, wanted, createdBy));
    }

    Job cancel(JobId id, String by) {
        Job job = get(id);
        if (!job.status().equals(JobStatus.RUNNING.apiName())) {
            throw new ApiException(io.micronaut.http.HttpStatus.CONFLICT, "job-finished",
                    "job " + id + " has already ended (" + job.status() + "); nothing to cancel");
        }
        engine.cancel(id, by);
        return get(id);
    }

    /**
     * A new job with the same definition, on the nodes of this one: all of them, or only those whose latest attempt
     * failed, timed out or was unreachable.
     */
    Job rerun(JobId id, @Nullable Condition allowed, boolean onlyFailed, String by) {
        JobsRecord job = repository.job(repository.dsl(), id).orElseThrow(() -> ApiException.notFound("job " + id));
        List<NodeId> nodes = repository.latestRuns(repository.dsl(), id).stream()
                .filter(r -> !onlyFailed || RunStatus.FAILURES.contains(RunStatus.fromDb(r.getStatus())))
                .map(r -> new NodeId(r.getNodeId()))
                .toList();
        if (nodes.isEmpty()) {
            throw new ApiException(io.micronaut.http.HttpStatus.UNPROCESSABLE_ENTITY, "no-targets",
                    "job " + id + " has no " + (onlyFailed ? "failed " : "") + "runs to run again");
        }
        JobDefinition definition = new JobDefinition(job.getName(), repository.spec(job),
                new Targets(nodes, List.of(), List.of(), null), Duration.ofSeconds(job.getTimeoutSeconds()),
                job.getMaxParallel(), job.getBatchSize(), job.getRetries(), job.getContinueOnFailure(),
                job.getRunAs(), Duration.between(job.getCreatedAt(), job.getExpiresAt()));
        return start(definition, new OrganizationId(job.getOrganizationId()), allowed, by, id, null);
    }

    /** A run's stored output from {@code offset}, with a marker where the middle of a long output was dropped. */
    RunOutput output(JobId job, NodeId node, long offset, @Nullable Integer attempt) {
        repository.job(repository.dsl(), job).orElseThrow(() -> ApiException.notFound("job " + job));
        JobRunsRecord run = (attempt == null ? repository.latestRun(job, node)
                : repository.dsl().selectFrom(io.octofleet.server.db.Tables.JOB_RUNS)
                .where(io.octofleet.server.db.Tables.JOB_RUNS.JOB_ID.eq(job.value()))
                .and(io.octofleet.server.db.Tables.JOB_RUNS.NODE_ID.eq(node.value()))
                .and(io.octofleet.server.db.Tables.JOB_RUNS.ATTEMPT.eq(attempt)).fetchOptional())
                .orElseThrow(() -> ApiException.notFound("run of job " + job + " on node " + node));
        if (offset < 0) {
            throw ApiException.invalid("offset must not be negative");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long position = offset;
        boolean more = false;
        for (Record r : repository.dsl().select(RUN_OUTPUT.BYTE_OFFSET, RUN_OUTPUT.DATA).from(RUN_OUTPUT)
                .where(RUN_OUTPUT.RUN_ID.eq(run.getId()))
                .and(RUN_OUTPUT.BYTE_OFFSET.plus(org.jooq.impl.DSL.field("octet_length({0})", Long.class,
                        RUN_OUTPUT.DATA)).gt(offset))
                .orderBy(RUN_OUTPUT.SEQ)
                .fetch()) {
            long start = r.get(RUN_OUTPUT.BYTE_OFFSET);
            byte[] data = r.get(RUN_OUTPUT.DATA);
            if (out.size() >= MAX_OUTPUT_READ) {
                more = true;
                break;
            }
            if (start > position) {
                out.writeBytes(("\n[... " + (start - position) + " bytes of output not kept ...]\n")
                        .getBytes(StandardCharsets.UTF_8));
                position = start;
            }
            int skip = (int) Math.max(0, position - start);
            out.write(data, skip, data.length - skip);
            position = start + data.length;
        }
        RunStatus status = RunStatus.fromDb(run.getStatus());
        return new RunOutput(out.toByteArray(), more ? position : Math.max(position, offset),
                run.getOutputBytes(), status.terminal() && !more);
    }

    /**
     * @param nextOffset where to continue reading
     * @param totalBytes bytes the run produced so far
     * @param complete the run ended and everything stored has been returned
     */
    record RunOutput(byte[] text, long nextOffset, long totalBytes, boolean complete) {
    }

    private Job view(JobsRecord j, @Nullable List<Run> runs) {
        JobId id = new JobId(j.getId());
        return new Job(id, organizations.name(j.getOrganizationId()), j.getName(), j.getKind(), j.getStatus(), j.getCreatedBy(), j.getCreatedAt().toInstant(),
                j.getExpiresAt().toInstant(), JobRepository.instant(j.getFinishedAt()), repository.spec(j),
                repository.targets(j), j.getTimeoutSeconds(), j.getMaxParallel(), j.getBatchSize(), j.getRetries(),
                j.getContinueOnFailure(), j.getRunAs(), j.getCancelRequested(),
                j.getRerunOf() == null ? null : new JobId(j.getRerunOf()), j.getScheduleId(),
                repository.counts(id), runs);
    }

    private static int number(String name, @Nullable String text, int fallback, int min, int max) {
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiException.invalid(name + " must be a number between " + min + " and " + max + ", got '" + text + "'");
    }
}
