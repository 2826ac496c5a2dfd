package io.octofleet.server.ansible;

import io.micronaut.context.annotation.Requires;
import io.micronaut.json.JsonMapper;
import io.octofleet.server.OctofleetHome;
import io.octofleet.server.db.tables.records.JobRunsRecord;
import io.octofleet.server.db.tables.records.JobsRecord;
import io.octofleet.server.jobs.AnsibleJob;
import io.octofleet.server.jobs.DirectRunner;
import io.octofleet.server.jobs.RunId;
import io.octofleet.server.jobs.RunRecorder;
import io.octofleet.server.jobs.RunStatus;
import io.octofleet.server.parameters.ParameterService;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct-mode Ansible (docs/ansible.md): for hosts without an agent, the server runs ansible-runner itself, over SSH,
 * with an inventory built from Octofleet. Each {@link #start} call is one ansible-runner process for all its runs,
 * run on a bounded pool ({@code octofleet.ansible.direct.max-concurrent-calls}); each run's updates reach the
 * {@link RunRecorder} as an agent's would. Present only where ansible-runner is on the PATH.
 */
@Singleton
@Requires(condition = AnsibleRunnerInstalled.class)
public class DirectAnsibleRunner implements DirectRunner {
    private static final Logger LOG = LoggerFactory.getLogger(DirectAnsibleRunner.class);

    private final DirectCall.Services services;
    private final ThreadPoolExecutor calls;
    private final ScheduledExecutorService retries;
    private final Map<RunId, DirectCall> live = new ConcurrentHashMap<>();

    DirectAnsibleRunner(RunRecorder recorder, ParameterService parameters, JsonMapper json, OctofleetHome home,
                        DirectAnsibleConfiguration config) {
        AtomicInteger threads = new AtomicInteger();
        int size = Math.max(1, config.maxConcurrentCalls());
        this.calls = new ThreadPoolExecutor(size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "octofleet-ansible-direct-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.calls.allowCoreThreadTimeOut(true);
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "octofleet-ansible-direct-retry");
            t.setDaemon(true);
            return t;
        });
        String program = AnsibleRunnerInstalled.find(System.getenv("PATH")).map(Object::toString)
                .orElse(AnsibleRunnerInstalled.PROGRAM);
        this.services = new DirectCall.Services(parameters, json, config, home.resolve("ansible-direct"), program,
                (node, run) -> new RunReporter(recorder, retries, node, run));
    }

    @Override
    public void start(JobsRecord job, AnsibleJob spec, List<JobRunsRecord> runs) {
        if (runs.isEmpty()) {
            return;
        }
        DirectCall call = new DirectCall(services, job, spec, runs);
        List<RunId> ids = call.runIds();
        ids.forEach(id -> live.put(id, call));
        try {
            calls.execute(() -> {
                try {
                    call.run();
                } finally {
                    ids.forEach(id -> live.remove(id, call));
                }
            });
        } catch (RejectedExecutionException e) {
            ids.forEach(id -> live.remove(id, call));
            call.stop(RunStatus.FAILED, "the server is stopping");
            call.run();
        }
    }

    /** Stops the whole call the run belongs to: every host of that ansible-runner process ends cancelled. */
    @Override
    public boolean cancel(RunId run) {
        DirectCall call = live.get(run);
        if (call == null) {
            return false;
        }
        call.stop(RunStatus.CANCELLED, "cancelled: ansible-runner was stopped (direct mode runs all hosts of a "
                + "batch in one process, so all of them end cancelled)");
        return true;
    }

    /** Kills what still runs, so no ansible-runner or ssh outlives the server. */
    @PreDestroy
    void stop() {
        Set<DirectCall> running = Set.copyOf(live.values());
        running.forEach(c -> c.stop(RunStatus.CANCELLED, "the server stopped while ansible-runner ran"));
        calls.shutdownNow();
        try {
            if (!calls.awaitTermination(2 * DirectCall.KILL_GRACE.toSeconds() + 5, TimeUnit.SECONDS)) {
                LOG.warn("Direct-mode Ansible calls did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        retries.shutdownNow();
    }
}
