package io.octofleet.agent.jobs;

import io.octofleet.proto.agent.v1.CancelRun;
import io.octofleet.proto.agent.v1.RunAck;
import io.octofleet.proto.agent.v1.RunAssignment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of job delivery, and the one place the session talks to about jobs: assignments in, cancels in,
 * acknowledgements in, run updates out through a {@link RunUpdateSink} per session.
 *
 * <p>An assignment is journaled (forced to disk) before its run starts, so a run is never started twice, not even
 * across agent restarts; one the journal already knows is ignored, because the server sends every unstarted
 * assignment again on each connect. Each run goes on a thread of its own, from a bounded pool. What it produces is
 * spooled before it is sent and stays spooled until the server acknowledges it; every new session gets everything not
 * yet acknowledged, in order. A run the journal shows as begun but not ended when the agent starts was cut off by
 * the agent's own end: its leftover processes are killed and it is reported FAILED.
 */
public final class JobRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobRuntime.class);
    public static final long DEFAULT_SPOOL_LIMIT = 256L * 1024 * 1024;
    /** How long a finished run's id is remembered, so that an assignment sent again is not run again. */
    static final Duration TOMBSTONES_KEPT = Duration.ofDays(7);
    static final int MAX_CONCURRENT_RUNS = 64;
    static final String EXPIRED = "assignment expired before it reached the agent";
    static final String RESTARTED_DURING_RUN = "the agent restarted while the run was in progress";
    static final String RESTARTED_BEFORE_RUN = "the agent restarted before the run started";
    static final String STOPPED_DURING_RUN = "the agent stopped while the run was in progress";

    private final RunJournal journal;
    private final Path workRoot;
    private final Map<String, JobExecutor> executors;
    private final AssignmentRequests requests;
    private final SpoolBudget budget;
    private final Clock clock;
    private final ThreadPoolExecutor runThreads;
    private final ScheduledExecutorService timers;
    private final Map<RunId, JournaledRun> runs = new ConcurrentHashMap<>();
    private final RunUpdatePump pump;
    private volatile RunUpdateSink sink;

    /**
     * The runtime with the shell, script, ansible and inventory executors, journal in {@code <stateDir>/runs}.
     *
     * @param workDir where runs get their scratch directories: {@code runs/<run id>} and {@code projects/<run id>};
     *     a run as another user must be able to pass through it, so not inside the 0700 state dir
     * @throws IOException if the journal cannot be read or a restart cannot be reported
     */
    public static JobRuntime start(Path stateDir, Path workDir, long spoolLimitBytes) throws IOException {
        Path runsRoot = workDir.resolve("runs");
        return new JobRuntime(stateDir.resolve("runs"), workDir, List.of(new ShellJobExecutor(runsRoot),
                new ScriptJobExecutor(runsRoot), new AnsibleRunnerJobExecutor(runsRoot),
                new InventoryRefreshExecutor()), spoolLimitBytes, Clock.systemUTC());
    }

    /**
     * How {@code inventory} jobs collect: {@code refresher} collects the inventory now, sends it if it changed, and
     * says which in a line for the run's output. Called by the session once it exists.
     */
    public void bindInventoryRefresh(java.util.function.Supplier<String> refresher) {
        executors.values().stream().filter(InventoryRefreshExecutor.class::isInstance)
                .map(InventoryRefreshExecutor.class::cast).forEach(e -> e.bind(refresher));
    }

    JobRuntime(Path journalDir, Path workDir, List<JobExecutor> executors, long spoolLimitBytes, Clock clock)
            throws IOException {
        this.journal = new RunJournal(journalDir);
        this.workRoot = workDir;
        this.executors = executors.stream().collect(Collectors.toMap(JobExecutor::kind, Function.identity()));
        this.requests = new AssignmentRequests(workDir.resolve("projects"),
                RunAs.forThisProcess(ProgramLocator.agentPath()));
        this.budget = new SpoolBudget(spoolLimitBytes);
        this.clock = clock;
        AtomicInteger threads = new AtomicInteger();
        this.runThreads = new ThreadPoolExecutor(MAX_CONCURRENT_RUNS, MAX_CONCURRENT_RUNS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> daemon(r, "octofleet-run-" + threads.incrementAndGet()));
        runThreads.allowCoreThreadTimeOut(true);
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "octofleet-run-timers"));
        this.pump = new RunUpdatePump(() -> sink, this::openRuns);
        recover();
        pump.start();
    }

    /**
     * A run the server assigned. Journals it before anything else and starts it on a thread of its own; ignores one
     * already known. Never throws: what goes wrong is logged or reported as the run's end.
     */
    public void onAssignment(RunAssignment assignment) {
        RunId runId;
        try {
            runId = new RunId(assignment.getRunId());
        } catch (IllegalArgumentException e) {
            LOG.error("Ignoring an assignment with an unusable run id: {}", e.getMessage());
            return;
        }
        JournaledRun run;
        synchronized (this) {
            if (runs.containsKey(runId) || journal.knows(runId)) {
                LOG.debug("Run {} is known; ignoring its assignment", runId);
                return;
            }
            try {
                journal.record(assignment);
                run = JournaledRun.open(runId, journal, budget, clock, timers, pump::wake);
            } catch (IOException e) {
                // Not journaled, so not started: the server sends it again on the next connect.
                LOG.error("Run {}: cannot journal its assignment, not starting it: {}", runId, e.toString());
                return;
            }
            runs.put(runId, run);
        }
        long expires = assignment.getExpiresUnixMs();
        if (expires > 0 && clock.millis() > expires) {
            LOG.warn("Run {} expired at {} before it reached this agent", runId, Instant.ofEpochMilli(expires));
            ended(run, () -> run.failed(EXPIRED));
            return;
        }
        LOG.info("Run {} (job {}, attempt {}) assigned", runId, assignment.getJobId(), assignment.getAttempt());
        runThreads.execute(() -> execute(run, assignment));
    }

    /** Stops a run: kills its whole process tree, and it ends CANCELLED. A run not running here is left alone. */
    public void onCancel(CancelRun cancel) {
        runId(cancel.getRunId()).map(runs::get).ifPresent(run -> {
            LOG.info("Run {}: cancel requested", run.runId());
            run.cancellation().cancel();
        });
    }

    /** The server stored the run's updates through {@code through_seq}; they leave the spool. Never blocks long. */
    public void onAck(RunAck ack) {
        runId(ack.getRunId()).map(runs::get).ifPresent(run -> timers.execute(() -> {
            try {
                if (run.acknowledge(ack.getThroughSeq())) {
                    runs.remove(run.runId());
                    journal.prune(clock.instant().minus(TOMBSTONES_KEPT));
                }
            } catch (IOException e) {
                LOG.error("Run {}: cannot compact its spool: {}", run.runId(), e.toString());
            }
        }));
    }

    /** A session is up (after Welcome): everything not yet acknowledged goes to {@code sink}, then what comes. */
    public void connected(RunUpdateSink sink) {
        this.sink = sink;
        pump.wake();
    }

    /** The session that {@code sink} belongs to is gone. */
    public void disconnected(RunUpdateSink sink) {
        if (this.sink == sink) {
            this.sink = null;
        }
    }

    /**
     * Stops every run (killing its processes; each is reported as ended by the agent's stop) and the sending. The
     * journal stays for the next start.
     */
    @Override
    public void close() {
        runThreads.shutdownNow();
        try {
            if (!runThreads.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("Some runs did not stop within 30 s");
            }
            pump.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timers.shutdown();
        runs.values().forEach(JournaledRun::close);
    }

    /** Bytes the spools hold now. */
    long spooledBytes() {
        return budget.used();
    }

    private Collection<JournaledRun> openRuns() {
        return runs.values();
    }

    private void execute(JournaledRun run, RunAssignment assignment) {
        Optional<Path> project = Optional.empty();
        try {
            if (run.cancellation().isCancelled()) {
                run.finished(new RunResult(RunResult.Outcome.CANCELLED, OptionalInt.empty(),
                        "cancelled before it started", Optional.empty()));
                return;
            }
            AssignmentRequests.Prepared prepared;
            try {
                prepared = requests.prepare(assignment);
            } catch (RunRefusedException e) {
                run.failed(e.getMessage());
                return;
            } catch (IOException | RuntimeException e) {
                LOG.error("Run {}: cannot prepare it", run.runId(), e);
                run.failed("the agent could not prepare the run: " + e.getMessage());
                return;
            }
            project = prepared.projectDirectory();
            RunRequest request = prepared.request();
            JobExecutor executor = executors.get(request.spec().kind());
            if (executor == null) {
                run.failed("this agent has no executor for " + request.spec().kind() + " jobs");
                return;
            }
            run.started();
            RunResult result;
            try {
                result = executor.execute(request, run, run.cancellation());
            } catch (InterruptedException e) {
                result = failed(STOPPED_DURING_RUN);
            } catch (RuntimeException e) {
                LOG.error("Run {} failed in the agent", run.runId(), e);
                result = failed("the agent failed while running it: " + e.getMessage());
            }
            // Before the result goes out: a run reported finished has left nothing behind.
            project.ifPresent(JobRuntime::removeQuietly);
            run.finished(result);
            LOG.info("Run {} ended {}{}", run.runId(), result.outcome(),
                    result.reason().isEmpty() ? "" : ": " + result.reason());
        } catch (IOException | UncheckedIOException e) {
            LOG.error("Run {}: cannot write its spool; the next agent start reports it failed: {}", run.runId(),
                    e.toString());
        } finally {
            project.ifPresent(JobRuntime::removeQuietly);
        }
    }

    /** Re-opens the journaled runs; those cut off by the agent's end are cleaned up and reported failed. */
    private void recover() throws IOException {
        journal.prune(clock.instant().minus(TOMBSTONES_KEPT));
        for (RunId runId : journal.open()) {
            JournaledRun run = JournaledRun.open(runId, journal, budget, clock, timers, pump::wake);
            runs.put(runId, run);
            if (!run.isFinished()) {
                int killed = ProcessRun.killLeftovers(runId);
                removeQuietly(workRoot.resolve("runs").resolve(runId.value()));
                removeQuietly(workRoot.resolve("projects").resolve(runId.value()));
                String reason = run.hasStarted() ? RESTARTED_DURING_RUN : RESTARTED_BEFORE_RUN;
                LOG.warn("Run {}: {}{}", runId, reason, killed > 0 ? "; killed " + killed + " leftover processes" : "");
                run.failed(reason);
            }
        }
    }

    private void ended(JournaledRun run, SpoolAction action) {
        try {
            action.run();
        } catch (IOException e) {
            LOG.error("Run {}: cannot write its spool: {}", run.runId(), e.toString());
        }
    }

    private interface SpoolAction {
        void run() throws IOException;
    }

    private static RunResult failed(String reason) {
        return new RunResult(RunResult.Outcome.FAILED, OptionalInt.empty(), reason, Optional.empty());
    }

    private static Optional<RunId> runId(String value) {
        try {
            return Optional.of(new RunId(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static void removeQuietly(Path directory) {
        try {
            RunDirectory.remove(directory);
        } catch (IOException e) {
            LOG.warn("Could not remove {}: {}", directory, e.toString());
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }
}
