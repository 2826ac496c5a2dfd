package io.octofleet.server.jobs;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.scheduling.annotation.Scheduled;
import io.octofleet.server.db.tables.records.JobRunsRecord;
import io.octofleet.server.db.tables.records.JobsRecord;
import io.octofleet.server.nodes.NodeDeleted;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.parameters.ParameterService;
import io.octofleet.server.parameters.ResolvedParameter;
import jakarta.annotation.PreDestroy;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import static io.octofleet.server.db.Tables.JOBS;
import static io.octofleet.server.db.Tables.JOB_RUNS;
import static io.octofleet.server.db.Tables.NODES;

/**
 * Moves jobs forward: retries, batches, the parallelism window, sending runs to connected agents, cancels, expiry,
 * and the job's summary status. One thread does it for every job on this replica, so one job's progress never races
 * with itself here; across replicas the job row's lock serialises it. Sends happen after the commit that marked the
 * runs sent: a run is always persisted before any agent hears of it.
 */
@Singleton
public class JobEngine {
    private static final Logger LOG = LoggerFactory.getLogger(JobEngine.class);
    /** How long after its timeout a running run of a silent (offline) agent is given up as unreachable. */
    static final Duration SILENCE_GRACE = Duration.ofMinutes(5);

    private final JobRepository repository;
    private final BeanProvider<AgentLink> agents;
    private volatile AgentLink link;
    private final BeanProvider<DirectRunner> direct;
    private final ParameterService parameters;
    private final JobEvents events;
    private final Set<JobId> queuedProgress = ConcurrentHashMap.newKeySet();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "octofleet-job-engine");
        t.setDaemon(true);
        return t;
    });

    JobEngine(JobRepository repository, BeanProvider<AgentLink> agents, BeanProvider<DirectRunner> direct,
              ParameterService parameters, JobEvents events) {
        this.repository = repository;
        this.agents = agents;
        this.direct = direct;
        this.parameters = parameters;
        this.events = events;
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }

    /** Progresses the job soon, on the engine thread; many calls before it runs count as one. */
    public void progressLater(JobId job) {
        if (queuedProgress.add(job)) {
            worker.execute(() -> {
                queuedProgress.remove(job);
                try {
                    progress(job);
                } catch (RuntimeException e) {
                    LOG.error("Progressing job {} failed; the sweeper tries again", job, e);
                }
            });
        }
    }

    /**
     * Every way to agents (sessions on this replica, polling legacy agents), as one: a node is connected when any
     * of them reaches it, and a command goes to the first that does. Looked up on first use, not at construction:
     * the links depend on beans that depend on the engine.
     */
    private AgentLink links() {
        AgentLink current = link;
        if (current == null) {
            List<AgentLink> all = agents.stream().toList();
            current = new AgentLink() {
                @Override
                public boolean connected(NodeId node) {
                    return all.stream().anyMatch(l -> l.connected(node));
                }

                @Override
                public boolean send(NodeId node, AgentCommand command) {
                    return all.stream().anyMatch(l -> l.connected(node) && l.send(node, command));
                }
            };
            link = current;
        }
        return current;
    }

    /** A run sent to a node and not started yet, as its agent must get it, with its job's name. */
    public record WaitingRun(AgentCommand.Assign assignment, String jobName) {
    }

    /**
     * The node's runs that are sent and not started (no update stored yet), oldest first, resolved for the node:
     * what an agent that polls for work must get. Direct-mode Ansible runs are the server's own and never listed.
     */
    public List<WaitingRun> waitingFor(NodeId node) {
        List<JobRunsRecord> runs = repository.undeliveredRuns(node).stream()
                .filter(r -> RunStatus.fromDb(r.getStatus()) == RunStatus.SENT && r.getLastSeq() == 0
                        && !r.getCancelRequested())
                .toList();
        if (runs.isEmpty()) {
            return List.of();
        }
        Map<String, ResolvedParameter> params = parameters.effectiveFor(List.of(node)).getOrDefault(node, Map.of());
        Map<JobId, java.util.Optional<JobsRecord>> jobs = new HashMap<>();
        List<WaitingRun> out = new ArrayList<>();
        for (JobRunsRecord run : runs) {
            java.util.Optional<JobsRecord> job = jobs.computeIfAbsent(new JobId(run.getJobId()),
                    j -> repository.job(repository.dsl(), j));
            if (job.isEmpty()) {
                continue;
            }
            JobSpec spec = repository.spec(job.get());
            if (spec instanceof AnsibleJob a && a.direct()) {
                continue;
            }
            out.add(new WaitingRun(assignment(job.get(), spec, run, params), job.get().getName()));
        }
        return out;
    }

    /** An agent connected: send what it must have (runs not yet started, cancels), then its queued runs' jobs. */
    public void nodeConnected(NodeId node) {
        worker.execute(() -> {
            try {
                deliverTo(node);
            } catch (RuntimeException e) {
                LOG.error("Delivering pending runs to node {} failed; the sweeper tries again", node, e);
            }
        });
    }

    private void deliverTo(NodeId node) {
        AgentLink link = links();
        Set<RunId> cancelled = new java.util.HashSet<>();
        Set<JobId> queuedJobs = new java.util.LinkedHashSet<>();
        Map<JobId, java.util.Optional<JobsRecord>> jobs = new HashMap<>();
        for (JobRunsRecord run : repository.undeliveredRuns(node)) {
            RunStatus status = RunStatus.fromDb(run.getStatus());
            JobId job = new JobId(run.getJobId());
            java.util.Optional<JobsRecord> record = jobs.computeIfAbsent(job,
                    j -> repository.job(repository.dsl(), j));
            if (record.isEmpty() || (repository.spec(record.get()) instanceof AnsibleJob a && a.direct())) {
                continue; // the server runs direct-mode Ansible itself, even on a node that also has an agent
            }
            if (status == RunStatus.QUEUED) {
                queuedJobs.add(job);
                continue;
            }
            if (status == RunStatus.SENT) {
                sendAll(link, record.get(), List.of(run));
            }
            if (run.getCancelRequested()) {
                link.send(node, new AgentCommand.Cancel(new RunId(run.getId())));
                cancelled.add(new RunId(run.getId()));
            }
        }
        for (RunId run : repository.pendingCancels(node, Instant.now())) {
            if (cancelled.add(run)) {
                link.send(node, new AgentCommand.Cancel(run));
            }
        }
        queuedJobs.forEach(this::progressLater);
    }

    /** True when this server can run direct-mode Ansible (ansible-runner is installed here). */
    boolean directModeAvailable() {
        return direct.isPresent();
    }

    /** Runs on the engine thread. */
    void progress(JobId jobId) {
        AgentLink link = links();
        List<JobRunsRecord> toSend = new ArrayList<>();
        List<JobRunsRecord> changed = new ArrayList<>();
        JobsRecord[] jobHolder = new JobsRecord[1];
        JobStatus[] statusChange = new JobStatus[1];
        repository.dsl().transaction(cfg -> {
            var tx = cfg.dsl();
            JobsRecord job = repository.lockJob(tx, jobId).orElse(null);
            if (job == null) {
                return;
            }
            jobHolder[0] = job;
            Instant now = Instant.now();
            // The usual call, once per burst of results: nothing to retry, dispatch or advance, only the status to
            // bring up to date. Counts answer that; the full path below reads every run.
            JobRepository.RunSummary summary = repository.summary(tx, jobId, job.getRetries());
            if (job.getCancelRequested() || (summary.queued() == 0 && summary.retryable() == 0
                    && summary.lastBatch() <= job.getCurrentBatch())) {
                statusChange[0] = updateStatus(tx, job, summary.status(job.getCancelRequested()), now);
                return;
            }
            List<JobRunsRecord> runs = repository.latestRuns(tx, jobId);
            if (!job.getCancelRequested()) {
                boolean retried = false;
                for (JobRunsRecord run : runs) {
                    RunStatus s = RunStatus.fromDb(run.getStatus());
                    if ((s == RunStatus.FAILED || s == RunStatus.TIMED_OUT) && run.getAttempt() <= job.getRetries()) {
                        repository.insertRetry(tx, run, now);
                        retried = true;
                    }
                }
                if (retried) {
                    runs = repository.latestRuns(tx, jobId);
                }
                int batch = advanceBatches(tx, job, runs, now, changed);
                if (!changed.isEmpty()) {
                    runs = repository.latestRuns(tx, jobId);
                }
                toSend.addAll(dispatchable(job, runs, batch, link));
                List<JobRunsRecord> sent = repository.markSent(tx, toSend.stream().map(JobRunsRecord::getId).toList(), now);
                toSend.clear();
                toSend.addAll(sent);
                changed.addAll(sent);
                if (!sent.isEmpty()) {
                    // by id: a search of the sent list per run was quadratic, 10^8 comparisons for a 10,000-node job
                    Map<UUID, JobRunsRecord> byId = sent.stream()
                            .collect(Collectors.toMap(JobRunsRecord::getId, r -> r, (a, b) -> b));
                    runs = runs.stream().map(r -> byId.getOrDefault(r.getId(), r)).toList();
                }
            }
            JobStatus status = JobStatus.summarise(runs.stream().map(r -> RunStatus.fromDb(r.getStatus())).toList(),
                    job.getCancelRequested());
            statusChange[0] = updateStatus(tx, job, status, now);
        });
        JobsRecord job = jobHolder[0];
        if (job == null) {
            return;
        }
        for (JobRunsRecord run : changed) {
            events.publish(new JobEvents.Event(jobId, JobEvents.RUN, JobViews.run(run, repository.recap(run))));
        }
        if (!toSend.isEmpty()) {
            JobSpec spec = repository.spec(job);
            if (spec instanceof AnsibleJob a && a.direct()) {
                direct.get().start(job, a, toSend);
            } else {
                sendAll(link, job, toSend);
            }
        }
        if (statusChange[0] != null) {
            LOG.info("Job {} ({}) is {}", jobId, job.getName(), statusChange[0].apiName());
            events.publish(new JobEvents.Event(jobId, JobEvents.JOB,
                    new JobEvents.JobChanged(jobId, statusChange[0].apiName())));
        }
    }

    /** Stores the job's new status; returns it when it changed, else null. */
    private static JobStatus updateStatus(org.jooq.DSLContext tx, JobsRecord job, JobStatus status, Instant now) {
        if (status.apiName().equals(job.getStatus())) {
            return null;
        }
        tx.update(JOBS)
                .set(JOBS.STATUS, status.apiName())
                .set(JOBS.FINISHED_AT, status == JobStatus.RUNNING ? null : JobRepository.utc(now))
                .where(JOBS.ID.eq(job.getId()))
                .execute();
        return status;
    }

    /**
     * Moves the job past every batch whose runs have all ended. A batch with a failure stops the job there unless
     * continueOnFailure: the later batches' runs are cancelled. Returns the batch now running.
     */
    private int advanceBatches(org.jooq.DSLContext tx, JobsRecord job, List<JobRunsRecord> runs, Instant now,
                               List<JobRunsRecord> changed) {
        int current = job.getCurrentBatch();
        int last = runs.stream().mapToInt(JobRunsRecord::getBatch).max().orElse(0);
        while (current < last) {
            int b = current;
            List<RunStatus> batch = runs.stream().filter(r -> r.getBatch() == b)
                    .map(r -> RunStatus.fromDb(r.getStatus())).toList();
            if (!batch.stream().allMatch(RunStatus::terminal)) {
                break;
            }
            if (!job.getContinueOnFailure() && batch.stream().anyMatch(s -> s != RunStatus.SUCCEEDED)) {
                changed.addAll(repository.endRuns(tx, JOB_RUNS.JOB_ID.eq(job.getId())
                                .and(JOB_RUNS.BATCH.gt(b)).and(JOB_RUNS.STATUS.eq(RunStatus.QUEUED.apiName())),
                        RunStatus.CANCELLED, "not run: batch " + (b + 1) + " did not fully succeed and "
                                + "continueOnFailure is false", now));
                break;
            }
            current++;
        }
        if (current != job.getCurrentBatch()) {
            tx.update(JOBS).set(JOBS.CURRENT_BATCH, current).where(JOBS.ID.eq(job.getId())).execute();
            job.setCurrentBatch(current);
        }
        return current;
    }

    /** Queued runs of the current batch (or earlier, retrying) that fit the parallelism window and can be sent. */
    private List<JobRunsRecord> dispatchable(JobsRecord job, List<JobRunsRecord> runs, int batch, AgentLink link) {
        long active = runs.stream().filter(r -> RunStatus.ACTIVE.contains(RunStatus.fromDb(r.getStatus()))).count();
        long slots = job.getMaxParallel() == null ? Long.MAX_VALUE : job.getMaxParallel() - active;
        boolean direct = AnsibleJob.KIND.equals(job.getKind()) && repository.spec(job) instanceof AnsibleJob a
                && a.direct();
        List<JobRunsRecord> out = new ArrayList<>();
        for (JobRunsRecord run : runs) {
            if (out.size() >= slots) {
                break;
            }
            if (run.getStatus().equals(RunStatus.QUEUED.apiName()) && run.getBatch() <= batch
                    && (direct || link.connected(new NodeId(run.getNodeId())))) {
                out.add(run);
            }
        }
        return out;
    }

    /** Sends the runs to their agents, parameters resolved for all of them in two queries per 1000 nodes. */
    private void sendAll(AgentLink link, JobsRecord job, List<JobRunsRecord> runs) {
        JobSpec spec = repository.spec(job);
        for (int from = 0; from < runs.size(); from += 1000) {
            List<JobRunsRecord> chunk = runs.subList(from, Math.min(runs.size(), from + 1000));
            Map<NodeId, Map<String, ResolvedParameter>> params;
            try {
                params = parameters.effectiveFor(chunk.stream().map(r -> new NodeId(r.getNodeId())).toList());
            } catch (RuntimeException e) {
                LOG.error("Cannot resolve parameters for {} run(s) of job {}; they stay sent until their agents "
                        + "reconnect or the job expires", chunk.size(), job.getId(), e);
                continue;
            }
            for (JobRunsRecord run : chunk) {
                NodeId node = new NodeId(run.getNodeId());
                link.send(node, assignment(job, spec, run, params.getOrDefault(node, Map.of())));
            }
        }
    }

    /** The run as its agent must get it: parameters resolved for its node. */
    private static AgentCommand.Assign assignment(JobsRecord job, JobSpec spec, JobRunsRecord run,
                                                  Map<String, ResolvedParameter> params) {
        NodeId node = new NodeId(run.getNodeId());
        Map<String, String> env = new LinkedHashMap<>();
        String vaultPassword = null;
        if (spec instanceof AnsibleJob a) {
            Map<String, Object> vars = new LinkedHashMap<>();
            params.forEach((k, v) -> vars.put(k, v.value()));
            vars.putAll(a.extraVars());
            spec = new AnsibleJob(a.playbook(), a.projectArchive(), a.playbookPath(), vars,
                    a.vaultPasswordParameter(), a.mode());
            if (a.vaultPasswordParameter() != null) {
                ResolvedParameter p = params.get(a.vaultPasswordParameter());
                vaultPassword = p == null ? null : p.value();
            }
        } else {
            params.forEach((k, v) -> env.put(k, v.value()));
        }
        env.put("OCTOFLEET_JOB_ID", job.getId().toString());
        env.put("OCTOFLEET_RUN_ID", run.getId().toString());
        env.put("OCTOFLEET_NODE_ID", node.toString());
        env.put("OCTOFLEET_ATTEMPT", String.valueOf(run.getAttempt()));
        return new AgentCommand.Assign(new RunId(run.getId()), new JobId(job.getId()), run.getAttempt(), spec, env,
                job.getRunAs(), Duration.ofSeconds(job.getTimeoutSeconds()), job.getExpiresAt().toInstant(),
                vaultPassword);
    }

    /** Cancels a job: queued runs end now, sent and running ones are told to stop. */
    void cancel(JobId jobId, String by) {
        List<JobRunsRecord> active = new ArrayList<>();
        List<JobRunsRecord> ended = new ArrayList<>();
        repository.dsl().transaction(cfg -> {
            var tx = cfg.dsl();
            JobsRecord job = repository.lockJob(tx, jobId).orElseThrow();
            Instant now = Instant.now();
            tx.update(JOBS).set(JOBS.CANCEL_REQUESTED, true).where(JOBS.ID.eq(jobId.value())).execute();
            ended.addAll(repository.endRuns(tx, JOB_RUNS.JOB_ID.eq(job.getId())
                            .and(JOB_RUNS.STATUS.eq(RunStatus.QUEUED.apiName())),
                    RunStatus.CANCELLED, "cancelled by " + by + " before it was sent", now));
            active.addAll(tx.update(JOB_RUNS).set(JOB_RUNS.CANCEL_REQUESTED, true)
                    .where(JOB_RUNS.JOB_ID.eq(job.getId()))
                    .and(JOB_RUNS.STATUS.in(RunStatus.SENT.apiName(), RunStatus.RUNNING.apiName()))
                    .returning().fetch());
            JobNotifications.cancel(tx, jobId);
            if (repository.spec(job) instanceof AnsibleJob a && a.direct()) {
                return; // the server itself runs these; cancelLocally stops them
            }
            // An agent that is offline cannot be told now; it is told when it reconnects, and its own report then
            // replaces this provisional end.
            ended.addAll(repository.endRuns(tx, JOB_RUNS.JOB_ID.eq(job.getId())
                            .and(JOB_RUNS.STATUS.in(RunStatus.SENT.apiName(), RunStatus.RUNNING.apiName()))
                            .and(JOB_RUNS.NODE_ID.in(DSL.select(NODES.ID).from(NODES)
                                    .where(NODES.ONLINE.isFalse()))),
                    RunStatus.CANCELLED, "cancelled by " + by + " while the agent was offline", now));
        });
        ended.forEach(r -> events.publish(new JobEvents.Event(jobId, JobEvents.RUN, JobViews.run(r, null))));
        cancelLocally(jobId);
        LOG.info("Job {} cancelled by {}: {} queued run(s) ended, {} running told to stop", jobId, by, ended.size(),
                active.size());
        progressLater(jobId);
    }

    /**
     * Tells the agents connected to this replica (and the direct-mode runner) to stop the job's runs that are still
     * sent or running. Idempotent: an agent ignores a cancel of a run it does not run any more.
     */
    void cancelLocally(JobId jobId) {
        AgentLink link = links();
        for (JobRunsRecord run : repository.dsl().selectFrom(JOB_RUNS)
                .where(JOB_RUNS.JOB_ID.eq(jobId.value()))
                .and(JOB_RUNS.CANCEL_REQUESTED.isTrue())
                .and(JOB_RUNS.STATUS.in(RunStatus.SENT.apiName(), RunStatus.RUNNING.apiName()))
                .fetch()) {
            RunId id = new RunId(run.getId());
            if (direct.isPresent() && direct.get().cancel(id)) {
                continue;
            }
            link.send(new NodeId(run.getNodeId()), new AgentCommand.Cancel(id));
        }
    }

    /**
     * Every few seconds: ends runs whose job expired before their agent took them, and running runs whose agent went
     * silent past their timeout; then progresses every running job (which also picks up work other replicas made
     * possible).
     */
    @Scheduled(fixedDelay = "${octofleet.jobs.sweep-interval:5s}", initialDelay = "2s")
    void sweep() {
        Instant now = Instant.now();
        Map<JobId, Integer> touched = new HashMap<>();
        repository.dsl().transaction(cfg -> {
            var tx = cfg.dsl();
            for (JobRunsRecord r : repository.endRuns(tx, JOB_RUNS.STATUS.in(RunStatus.QUEUED.apiName(),
                            RunStatus.SENT.apiName())
                    .and(JOB_RUNS.JOB_ID.in(DSL.select(JOBS.ID).from(JOBS)
                            .where(JOBS.STATUS.eq(JobStatus.RUNNING.apiName()))
                            .and(JOBS.EXPIRES_AT.lt(JobRepository.utc(now))))),
                    RunStatus.UNREACHABLE, "the node's agent did not take the run before the job expired", now)) {
                touched.merge(new JobId(r.getJobId()), 1, Integer::sum);
            }
            for (JobRunsRecord r : repository.endRuns(tx, JOB_RUNS.STATUS.eq(RunStatus.RUNNING.apiName())
                    .and(JOB_RUNS.NODE_ID.in(DSL.select(NODES.ID).from(NODES).where(NODES.ONLINE.isFalse())))
                    .andExists(DSL.selectOne().from(JOBS).where(JOBS.ID.eq(JOB_RUNS.JOB_ID))
                            .and(DSL.condition("{0} + make_interval(secs => {1}) < {2}", JOB_RUNS.STARTED_AT,
                                    JOBS.TIMEOUT_SECONDS.plus((int) SILENCE_GRACE.toSeconds()),
                                    DSL.val(JobRepository.utc(now))))),
                    RunStatus.UNREACHABLE, "the agent went offline and sent no result within the run's timeout",
                    now)) {
                touched.merge(new JobId(r.getJobId()), 1, Integer::sum);
            }
            // A legacy agent enforces no timeout and cannot be told to stop; its node stays online while the script
            // hangs. Its run ends timed out here; a result that comes later still replaces this.
            for (JobRunsRecord r : repository.endRuns(tx, JOB_RUNS.STATUS.eq(RunStatus.RUNNING.apiName())
                    .and(JOB_RUNS.NODE_ID.in(DSL.select(NODES.ID).from(NODES).where(NODES.AGENT_KIND.eq("legacy"))))
                    .andExists(DSL.selectOne().from(JOBS).where(JOBS.ID.eq(JOB_RUNS.JOB_ID))
                            .and(DSL.condition("{0} + make_interval(secs => {1}) < {2}", JOB_RUNS.STARTED_AT,
                                    JOBS.TIMEOUT_SECONDS.plus((int) SILENCE_GRACE.toSeconds()),
                                    DSL.val(JobRepository.utc(now))))),
                    RunStatus.TIMED_OUT, "the legacy agent sent no result within the run's timeout (it cannot be "
                            + "told to stop the script)", now)) {
                touched.merge(new JobId(r.getJobId()), 1, Integer::sum);
            }
        });
        touched.forEach((job, n) -> LOG.info("Job {}: {} run(s) ended unreachable or timed out", job, n));
        repository.activeJobs().forEach(this::progressLater);
    }

    /** A deleted node's unfinished runs end: there is no agent left to run them. */
    @EventListener
    void onNodeDeleted(NodeDeleted event) {
        List<JobRunsRecord> ended = repository.dsl().transactionResult(cfg -> repository.endRuns(cfg.dsl(),
                JOB_RUNS.NODE_ID.eq(event.node().value()).and(JOB_RUNS.STATUS.in(RunStatus.QUEUED.apiName(),
                        RunStatus.SENT.apiName(), RunStatus.RUNNING.apiName())),
                RunStatus.UNREACHABLE, "the node was deleted", Instant.now()));
        ended.stream().map(r -> new JobId(r.getJobId())).distinct().forEach(this::progressLater);
    }
}
