package io.octofleet.server.legacy;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.jobs.AgentCommand;
import io.octofleet.server.jobs.InventoryJob;
import io.octofleet.server.jobs.JobEngine;
import io.octofleet.server.jobs.JobService;
import io.octofleet.server.jobs.RunId;
import io.octofleet.server.jobs.RunRecorder;
import io.octofleet.server.jobs.RunStatus;
import io.octofleet.server.jobs.RunUpdate;
import io.octofleet.server.jobs.ShellJob;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Jobs for legacy agents, which poll: {@code jobs/pending} hands out the node's sent runs, {@code start} and
 * {@code result} become the run updates an Octofleet agent would send (started, output, finished), numbered here
 * since the old protocol has no numbers. Each call returns once its updates are stored, so an agent that got 200 can
 * forget its result; one that got an error sends it again, and a result already stored is not stored twice.
 */
@Singleton
final class LegacyJobs {
    /** Output goes in chunks of this size, as the Octofleet agent sends it (the recorder keeps head and tail). */
    static final int CHUNK = 64 * 1024;
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);

    private final JobEngine engine;
    private final JobService jobs;
    private final RunRecorder recorder;
    private final JsonMapper json;
    /** Serializes the updates of one run (start and result racing from a retrying agent). */
    private final ReentrantLock[] stripes = new ReentrantLock[64];

    LegacyJobs(JobEngine engine, JobService jobs, RunRecorder recorder, JsonMapper json) {
        this.engine = engine;
        this.json = json;
        this.jobs = jobs;
        this.recorder = recorder;
        Arrays.setAll(stripes, i -> new ReentrantLock());
    }

    /**
     * A job as the legacy agents read it; {@code commandPayload} is JSON text, which both agents parse.
     * {@code commandType} is {@code shell}, or {@code inventory_push} for an inventory job (the Linux agent's own).
     */
    @Serdeable
    record PendingJob(String instanceId, String jobId, String jobName, String commandType, String commandPayload,
                      int timeoutSeconds, int attempt, int maxAttempts, Instant createdAt) {
    }

    /**
     * The node's runs to take now. A shell job whose shell the agent does not have (PowerShell on the Linux agent,
     * sh or bash on the Windows one) fails here with the reason instead of being handed out.
     */
    List<PendingJob> pending(LegacyNodes.Found node, Instant now) {
        List<PendingJob> out = new ArrayList<>();
        for (JobEngine.WaitingRun waiting : engine.waitingFor(node.id())) {
            AgentCommand.Assign a = waiting.assignment();
            if (a.spec() instanceof InventoryJob) {
                if (node.platform().equals("windows")) {
                    finish(node.id(), a.runId(), new RunUpdate.Finished(RunStatus.FAILED, null, "the legacy Windows "
                            + "agent has no inventory command; it reports its inventory on its own schedule", null),
                            now);
                } else if (!a.expiresAt().isBefore(now)) {
                    out.add(new PendingJob(a.runId().toString(), a.jobId().toString(), waiting.jobName(),
                            "inventory_push", "{}", (int) Math.min(a.timeout().toSeconds(), Integer.MAX_VALUE),
                            a.attempt(), a.attempt(), now));
                }
                continue;
            }
            if (!(a.spec() instanceof ShellJob shell)) {
                continue; // failed by LegacyLink when it was sent
            }
            String refusal = refusal(shell, node.platform());
            if (refusal != null) {
                finish(node.id(), a.runId(), new RunUpdate.Finished(RunStatus.FAILED, null, refusal, null), now);
                continue;
            }
            if (a.expiresAt().isBefore(now)) {
                continue; // the engine ends it unreachable
            }
            out.add(new PendingJob(a.runId().toString(), a.jobId().toString(), waiting.jobName(), "shell",
                    payload(shell, a.environment(), node.platform()), (int) Math.min(a.timeout().toSeconds(),
                    Integer.MAX_VALUE), a.attempt(), a.attempt(), now));
        }
        return out;
    }

    private static @Nullable String refusal(ShellJob shell, String platform) {
        boolean powershell = shell.shell().equals("powershell");
        if (platform.equals("windows") && !powershell) {
            return "the legacy Windows agent runs PowerShell only; send the job with \"shell\": \"powershell\"";
        }
        if (!platform.equals("windows") && powershell) {
            return "the legacy Linux agent runs bash only; send the job with \"shell\": \"bash\" or \"sh\"";
        }
        return null;
    }

    /**
     * {"script": …}: the job's script, preceded by its environment (the node's parameters and OCTOFLEET_*), which
     * the legacy agents have no other way to receive.
     */
    String payload(ShellJob shell, Map<String, String> environment, String platform) {
        StringBuilder script = new StringBuilder();
        environment.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                return;
            }
            if (platform.equals("windows")) {
                script.append("$env:").append(e.getKey()).append(" = '")
                        .append(e.getValue().replace("'", "''")).append("'\n");
            } else {
                script.append("export ").append(e.getKey()).append("='")
                        .append(e.getValue().replace("'", "'\\''")).append("'\n");
            }
        });
        script.append(shell.script());
        try {
            return json.writeValueAsString(Map.of("script", script.toString()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The run as the calling node's: 404 for a run that is not one of the node's organization's legacy nodes. */
    JobService.RunState run(String instanceId, java.util.function.Predicate<NodeId> callersLegacyNode) {
        RunId id;
        try {
            id = new RunId(java.util.UUID.fromString(instanceId));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("instanceId must be a UUID, got '" + LegacyJson.abbreviate(instanceId) + "'");
        }
        return jobs.runState(id).filter(r -> callersLegacyNode.test(r.node()))
                .orElseThrow(() -> ApiException.notFound("job instance " + instanceId));
    }

    /** The agent started the run. Starting it again, or after its result, changes nothing. */
    void start(JobService.RunState run, Instant at) {
        withRun(run.id(), () -> {
            JobService.RunState now = jobs.runState(run.id()).orElseThrow();
            if (now.lastSeq() == 0) {
                store(run.node(), List.of(new RunUpdate(run.id(), 1, at, new RunUpdate.Started())));
            }
        });
    }

    /** What the agent reported at the end: stored as started (if it was not), output, finished. */
    void result(JobService.RunState run, RunStatus outcome, @Nullable Integer exitCode, String stdout, String stderr,
                Instant at) {
        withRun(run.id(), () -> {
            JobService.RunState now = jobs.runState(run.id()).orElseThrow();
            if (now.agentFinished()) {
                return; // a re-sent result: stored already
            }
            long seq = now.lastSeq();
            List<RunUpdate> updates = new ArrayList<>();
            if (seq == 0) {
                updates.add(new RunUpdate(run.id(), ++seq, at, new RunUpdate.Started()));
            }
            for (String[] stream : new String[][]{{"stdout", stdout}, {"stderr", stderr}}) {
                byte[] data = stream[1].getBytes(StandardCharsets.UTF_8);
                for (int from = 0; from < data.length; from += CHUNK) {
                    updates.add(new RunUpdate(run.id(), ++seq, at, new RunUpdate.Output(stream[0],
                            Arrays.copyOfRange(data, from, Math.min(data.length, from + CHUNK)), 0)));
                }
            }
            String reason = outcome == RunStatus.SUCCEEDED ? null
                    : exitCode == null ? "the legacy agent reported failure" : "exit code " + exitCode;
            updates.add(new RunUpdate(run.id(), ++seq, at, new RunUpdate.Finished(outcome, exitCode, reason, null)));
            store(run.node(), updates);
        });
    }

    private void finish(NodeId node, RunId run, RunUpdate.Finished finished, Instant at) {
        withRun(run, () -> {
            JobService.RunState now = jobs.runState(run).orElseThrow();
            if (!now.agentFinished()) {
                store(node, List.of(new RunUpdate(run, now.lastSeq() + 1, at, finished)));
            }
        });
    }

    private void withRun(RunId run, Runnable action) {
        ReentrantLock lock = stripes[Math.floorMod(run.hashCode(), stripes.length)];
        lock.lock();
        try {
            action.run();
        } finally {
            lock.unlock();
        }
    }

    /** Submits the updates in order and waits until the last is stored; 503 when the database cannot take them. */
    private void store(NodeId node, List<RunUpdate> updates) {
        List<CompletableFuture<Long>> receipts = new ArrayList<>();
        for (RunUpdate update : updates) {
            CompletableFuture<Long> receipt = new CompletableFuture<>();
            receipts.add(receipt);
            recorder.submit(node, update, new RunRecorder.Receipt() {
                @Override
                public void stored(RunId run, long throughSeq) {
                    receipt.complete(throughSeq);
                }

                @Override
                public void failed(RunId run, Exception cause) {
                    receipt.completeExceptionally(cause);
                }
            });
        }
        try {
            for (CompletableFuture<Long> receipt : receipts) {
                receipt.get(STORE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable();
        } catch (ExecutionException | TimeoutException e) {
            throw unavailable();
        }
    }

    private static ApiException unavailable() {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "unavailable",
                "the server cannot store this now; send it again later");
    }
}
