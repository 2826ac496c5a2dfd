package io.octofleet.server.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.octofleet.proto.agent.v1.RunAssignment;
import io.octofleet.proto.agent.v1.RunFinished;
import io.octofleet.proto.agent.v1.RunOutput;
import io.octofleet.proto.agent.v1.RunStarted;
import io.octofleet.proto.agent.v1.RunUpdate;
import io.octofleet.server.TestServer;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job engine end to end on the server: the REST API, the real engine, recorder and database, and agents played by
 * the test over the real session protocol (in-process gRPC; TLS and the real agent are covered by the end-to-end
 * tests). Each "agent" here answers exactly as the protocol says, so these tests pin the server's half of it.
 */
class JobDeliveryTest {
    static TestServer server;
    static InProcessAgents grpc;
    static final ObjectMapper JSON = new ObjectMapper();

    private final List<FakeAgent> agents = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("octofleet.grpc.heartbeat-interval", "1h",
                "octofleet.jobs.sweep-interval", "500ms",
                "octofleet.jobs.output.head-bytes", "100",
                "octofleet.jobs.output.tail-bytes", "100"));
        grpc = InProcessAgents.start(server);
    }

    @AfterAll
    static void stop() {
        grpc.close();
        server.close();
    }

    @AfterEach
    void disconnect() {
        agents.forEach(FakeAgent::disconnect);
    }

    private FakeAgent agent(String hostname) {
        FakeAgent agent = grpc.agent(hostname);
        agents.add(agent);
        return agent;
    }

    @Test
    void aJobReachesEveryConnectedTargetAndRecordsOutputAndExitCodes() throws Exception {
        FakeAgent a = agent("deliver-a").connect();
        FakeAgent b = agent("deliver-b").connect();
        server.bean(NodeService.class).replaceTags(a.node, List.of("deliver"));
        server.bean(NodeService.class).replaceTags(b.node, List.of("deliver"));

        JsonNode job = post("/api/v1/jobs", Map.of("kind", "shell", "script", "echo hi",
                "targets", Map.of("tags", List.of("deliver"))), 201);
        String id = job.get("id").asText();
        assertThat(job.get("runs")).hasSize(2);

        RunAssignment ra = a.assignment();
        assertThat(ra.getShell().getScript()).isEqualTo("echo hi");
        assertThat(ra.getEnvironmentMap()).containsEntry("OCTOFLEET_JOB_ID", id)
                .containsEntry("OCTOFLEET_NODE_ID", a.node.toString());
        a.complete(ra, "hello from a\n", 0);
        b.complete(b.assignment(), "hello from b\n", 3);

        JsonNode done = awaitJob(id, "failed");
        assertThat(done.get("counts").get("succeeded").asInt()).isEqualTo(1);
        assertThat(done.get("counts").get("failed").asInt()).isEqualTo(1);
        assertThat(runOf(done, b.node).get("exitCode").asInt()).isEqualTo(3);
        assertThat(server.get("/api/v1/jobs/" + id + "/runs/" + a.node + "/output").body()).isEqualTo("hello from a\n");
        await(() -> a.ackedThrough(ra.getRunId()) == 3);
    }

    @Test
    void anInventoryJobAsksTheAgentToCollectAndItsAnswerIsTheRunsOutput() throws Exception {
        FakeAgent a = agent("inventory-a").connect();
        JsonNode job = post("/api/v1/jobs", Map.of("kind", "inventory",
                "targets", Map.of("nodeIds", List.of(a.node.toString()))), 201);
        assertThat(job.get("name").asText()).isEqualTo("refresh inventory");
        assertThat(job.get("kind").asText()).isEqualTo("inventory");
        RunAssignment ra = a.assignment();
        assertThat(ra.hasInventory()).isTrue();
        a.complete(ra, "inventory collected: unchanged since the last report\n", 0);
        awaitJob(job.get("id").asText(), "succeeded");
        assertThat(server.get("/api/v1/jobs/" + job.get("id").asText() + "/runs/" + a.node + "/output").body())
                .isEqualTo("inventory collected: unchanged since the last report\n");
        // an inventory job takes no script
        post("/api/v1/jobs", Map.of("kind", "inventory", "script", "true",
                "targets", Map.of("nodeIds", List.of(a.node.toString()))), 400);
    }

    @Test
    void inheritedParametersReachShellRunsAsEnvironmentAndAnsibleRunsAsExtraVars() throws Exception {
        FakeAgent a = agent("params-a").connect();
        put("/api/v1/parameters/ntp_server", Map.of("value", "pool.ntp.org"));
        put("/api/v1/nodes/" + a.node + "/parameters/ntp_server", Map.of("value", "ntp.lab"));
        put("/api/v1/nodes/" + a.node + "/parameters/db_password", Map.of("value", "s3cret", "secret", true));
        String target = a.node.toString();

        post("/api/v1/jobs", Map.of("kind", "shell", "script", "env",
                "targets", Map.of("nodeIds", List.of(target))), 201);
        RunAssignment shell = a.assignment();
        assertThat(shell.getEnvironmentMap()).containsEntry("ntp_server", "ntp.lab")
                .containsEntry("db_password", "s3cret");
        a.complete(shell, "", 0);

        a.received.clear();
        post("/api/v1/jobs", Map.of("kind", "ansible", "playbook", "- hosts: all\n  tasks: []\n",
                "extraVars", Map.of("ntp_server", "from-job", "nested", Map.of("a", 1)),
                "vaultPasswordParameter", "db_password",
                "targets", Map.of("nodeIds", List.of(target))), 201);
        RunAssignment ansible = a.assignment();
        JsonNode vars = JSON.readTree(ansible.getAnsible().getExtraVarsJson());
        assertThat(vars.get("ntp_server").asText()).isEqualTo("from-job");
        assertThat(vars.get("db_password").asText()).isEqualTo("s3cret");
        assertThat(vars.get("nested").get("a").asInt()).isEqualTo(1);
        assertThat(ansible.getAnsible().getVaultPassword()).isEqualTo("s3cret");
        assertThat(ansible.getEnvironmentMap()).doesNotContainKey("ntp_server");
        // the job as the API shows it names the parameter, never its value
        assertThat(server.get("/api/v1/jobs?size=5").body()).doesNotContain("s3cret");
        a.complete(ansible, "", 0);
    }

    private static void put(String path, Object body) throws Exception {
        HttpResponse<String> r = server.send(server.request(path).header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    }

    @Test
    void aResentUpdateIsStoredOnceAndAcknowledgedAgain() throws Exception {
        FakeAgent a = agent("dup-a").connect();
        String id = post("/api/v1/jobs", Map.of("kind", "shell", "script", "true",
                "targets", Map.of("nodeIds", List.of(a.node.toString()))), 201).get("id").asText();
        RunAssignment run = a.assignment();
        a.update(run.getRunId(), 1, RunUpdate.newBuilder().setStarted(RunStarted.getDefaultInstance()));
        RunUpdate.Builder chunk = RunUpdate.newBuilder().setOutput(RunOutput.newBuilder()
                .setStream(RunOutput.Stream.STDOUT).setData(ByteString.copyFromUtf8("once\n")));
        a.update(run.getRunId(), 2, chunk);
        await(() -> a.ackedThrough(run.getRunId()) == 2);

        // The connection drops before the agent sees the ack; it reconnects and sends everything again.
        a.disconnect();
        a.connect();
        a.update(run.getRunId(), 1, RunUpdate.newBuilder().setStarted(RunStarted.getDefaultInstance()));
        a.update(run.getRunId(), 2, chunk);
        a.update(run.getRunId(), 3, RunUpdate.newBuilder().setFinished(RunFinished.newBuilder()
                .setOutcome(RunFinished.Outcome.SUCCEEDED).setExitCode(0)));
        awaitJob(id, "succeeded");
        assertThat(server.get("/api/v1/jobs/" + id + "/runs/" + a.node + "/output").body()).isEqualTo("once\n");
    }

    @Test
    void anAgentOfflineWhenTheJobStartsGetsItWhenItConnects() throws Exception {
        FakeAgent late = agent("late-a");
        String id = post("/api/v1/jobs", Map.of("kind", "shell", "script", "uptime",
                "targets", Map.of("nodeIds", List.of(late.node.toString()))), 201).get("id").asText();
        Thread.sleep(300);
        assertThat(runOf(get("/api/v1/jobs/" + id), late.node).get("status").asText()).isEqualTo("queued");

        late.connect();
        late.complete(late.assignment(), "up\n", 0);
        awaitJob(id, "succeeded");
    }

    @Test
    void aSentRunIsSentAgainAfterAReconnectAndTheAgentTellsDuplicatesApart() throws Exception {
        FakeAgent a = agent("resend-a").connect();
        post("/api/v1/jobs", Map.of("kind", "shell", "script", "true",
                "targets", Map.of("nodeIds", List.of(a.node.toString()))), 201);
        String runId = a.assignment().getRunId();
        a.disconnect();
        a.connect();
        assertThat(a.assignment().getRunId()).isEqualTo(runId);
    }

    @Test
    void cancelEndsQueuedRunsAndTellsRunningAgentsToStop() throws Exception {
        FakeAgent running = agent("cancel-running").connect();
        FakeAgent offline = agent("cancel-offline");
        String id = post("/api/v1/jobs", Map.of("kind", "shell", "script", "sleep 600",
                "targets", Map.of("nodeIds", List.of(running.node.toString(), offline.node.toString()))), 201)
                .get("id").asText();
        RunAssignment run = running.assignment();
        running.update(run.getRunId(), 1, RunUpdate.newBuilder().setStarted(RunStarted.getDefaultInstance()));
        await(() -> "running".equals(runOf(get("/api/v1/jobs/" + id), running.node).get("status").asText()));

        post("/api/v1/jobs/" + id + "/cancel", Map.of(), 200);
        await(() -> running.received.stream().anyMatch(m -> m.hasCancelRun()
                && m.getCancelRun().getRunId().equals(run.getRunId())));
        assertThat(runOf(get("/api/v1/jobs/" + id), offline.node).get("status").asText()).isEqualTo("cancelled");

        running.update(run.getRunId(), 2, RunUpdate.newBuilder().setFinished(RunFinished.newBuilder()
                .setOutcome(RunFinished.Outcome.CANCELLED).setExitCode(137)));
        awaitJob(id, "cancelled");
        assertThat(post("/api/v1/jobs/" + id + "/cancel", Map.of(), 409).get("type").asText()).endsWith("job-finished");
    }

    @Test
    void batchesRunOneAfterAnotherAndAFailedCanaryStopsTheRest() throws Exception {
        FakeAgent first = agent("canary-1").connect();
        FakeAgent second = agent("canary-2").connect();
        String id = post("/api/v1/jobs", Map.of("kind", "shell", "script", "true", "batchSize", 1,
                "targets", Map.of("nodeIds", List.of(first.node.toString(), second.node.toString()))), 201)
                .get("id").asText();
        RunAssignment canary = first.assignment();
        Thread.sleep(300);
        assertThat(second.assignments()).isEmpty();
        first.complete(canary, "boom\n", 1);

        JsonNode done = awaitJob(id, "failed");
        assertThat(runOf(done, second.node).get("status").asText()).isEqualTo("cancelled");
        assertThat(runOf(done, second.node).get("reason").asText()).contains("batch 1");
        assertThat(second.assignments()).isEmpty();
    }

    @Test
    void maxParallelKeepsAWindowAndRetriesGiveAFailedRunAnotherAttempt() throws Exception {
        FakeAgent a = agent("window-a").connect();
        FakeAgent b = agent("window-b").connect();
        String id = post("/api/v1/jobs", Map.of("kind", "shell", "script", "true", "maxParallel", 1, "retries", 1,
                "targets", Map.of("nodeIds", List.of(a.node.toString(), b.node.toString()))), 201)
                .get("id").asText();
        RunAssignment firstA = a.assignment();
        Thread.sleep(300);
        assertThat(b.assignments()).isEmpty();
        a.complete(firstA, "flaky\n", 1);

        // The retry of a and the first attempt of b compete for the one slot; both get their turn.
        await(() -> a.assignments().size() == 2 || b.assignments().size() == 1);
        for (int i = 0; i < 2; i++) {
            FakeAgent next = a.assignments().size() == 2 && a.ackedThrough(a.assignments().get(1).getRunId()) == 0
                    ? a : b;
            RunAssignment run = next == a ? a.assignments().get(1) : b.assignment();
            next.complete(run, "ok\n", 0);
            await(() -> next.ackedThrough(run.getRunId()) == 3);
            if (i == 0) {
                FakeAgent other = next == a ? b : a;
                await(() -> other == a ? a.assignments().size() == 2 : b.assignments().size() == 1);
            }
        }
        JsonNode done = awaitJob(id, "succeeded");
        assertThat(runOf(done, a.node).get("attempt").asInt()).isEqualTo(2);
        assertThat(a.assignments().get(1).getAttempt()).isEqualTo(2);
    }

    @Test
    void runsNotTakenBeforeTheJobExpiresEndUnreachable() throws Exception {
        FakeAgent never = agent("never-connects");
        String id = post("/api/v1/jobs", Map.of("kind", "shell", "script", "true", "expiresInSeconds", 1,
                "targets", Map.of("nodeIds", List.of(never.node.toString()))), 201).get("id").asText();
        JsonNode done = awaitJob(id, "failed");
        assertThat(runOf(done, never.node).get("status").asText()).isEqualTo("unreachable");
    }

    @Test
    void longOutputKeepsItsHeadAndTailWithAMarkerAndCanBeTailedByOffset() throws Exception {
        FakeAgent a = agent("chatty").connect();
        String id = post("/api/v1/jobs", Map.of("kind", "shell", "script", "yes",
                "targets", Map.of("nodeIds", List.of(a.node.toString()))), 201).get("id").asText();
        RunAssignment run = a.assignment();
        a.update(run.getRunId(), 1, RunUpdate.newBuilder().setStarted(RunStarted.getDefaultInstance()));
        for (int i = 0; i < 10; i++) {
            a.update(run.getRunId(), 2 + i, RunUpdate.newBuilder().setOutput(RunOutput.newBuilder()
                    .setStream(RunOutput.Stream.STDOUT)
                    .setData(ByteString.copyFromUtf8(String.valueOf((char) ('a' + i)).repeat(49) + "\n"))));
        }
        a.update(run.getRunId(), 12, RunUpdate.newBuilder().setFinished(RunFinished.newBuilder()
                .setOutcome(RunFinished.Outcome.SUCCEEDED).setExitCode(0)));
        awaitJob(id, "succeeded");

        HttpResponse<String> all = server.get("/api/v1/jobs/" + id + "/runs/" + a.node + "/output");
        // head 100 bytes (chunks a, b), tail 100 bytes (chunks i, j), 300 bytes between them dropped
        assertThat(all.body()).startsWith("a".repeat(49) + "\n" + "b".repeat(49) + "\n")
                .contains("[... 300 bytes of output not kept ...]")
                .endsWith("i".repeat(49) + "\n" + "j".repeat(49) + "\n");
        assertThat(all.headers().firstValue("Octofleet-Output-Bytes")).contains("500");
        assertThat(all.headers().firstValue("Octofleet-Output-Complete")).contains("true");

        HttpResponse<String> tail = server.get("/api/v1/jobs/" + id + "/runs/" + a.node + "/output?offset=475");
        assertThat(tail.body()).isEqualTo("j".repeat(24) + "\n");
        assertThat(tail.headers().firstValue("Octofleet-Next-Offset")).contains("500");
    }

    @Test
    void theEventStreamDeliversOutputBeforeTheRunEndsAndClosesWhenTheJobEnds() throws Exception {
        FakeAgent a = agent("sse-a").connect();
        String id = post("/api/v1/jobs", Map.of("kind", "shell", "script", "echo live",
                "targets", Map.of("nodeIds", List.of(a.node.toString()))), 201).get("id").asText();
        RunAssignment run = a.assignment();
        HttpResponse<java.io.InputStream> stream = server.http().send(server.request("/api/v1/jobs/" + id + "/events")
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        assertThat(readUntil(lines, seen, "event:run")).isTrue(); // the snapshot

        a.update(run.getRunId(), 1, RunUpdate.newBuilder().setStarted(RunStarted.getDefaultInstance()));
        a.update(run.getRunId(), 2, RunUpdate.newBuilder().setOutput(RunOutput.newBuilder()
                .setStream(RunOutput.Stream.STDOUT).setData(ByteString.copyFromUtf8("live\n"))));
        assertThat(readUntil(lines, seen, "event:output")).isTrue();
        String data = lines.readLine();
        assertThat(data).startsWith("data:").contains("\"text\":\"live\\n\"");
        // The run has not ended: output came first.
        assertThat(runOf(get("/api/v1/jobs/" + id), a.node).get("status").asText()).isEqualTo("running");

        a.update(run.getRunId(), 3, RunUpdate.newBuilder().setFinished(RunFinished.newBuilder()
                .setOutcome(RunFinished.Outcome.SUCCEEDED).setExitCode(0)));
        assertThat(readUntil(lines, seen, "event:job")).isTrue();
        assertThat(lines.readLine()).contains("\"status\":\"succeeded\"");
        // and then the stream ends
        String rest;
        while ((rest = lines.readLine()) != null) {
            assertThat(rest).doesNotStartWith("event:output");
        }
    }

    @Test
    void rerunOfFailedRunsTargetsOnlyTheNodesThatFailed() throws Exception {
        FakeAgent ok = agent("rerun-ok").connect();
        FakeAgent bad = agent("rerun-bad").connect();
        String id = post("/api/v1/jobs", Map.of("kind", "shell", "script", "true",
                "targets", Map.of("nodeIds", List.of(ok.node.toString(), bad.node.toString()))), 201)
                .get("id").asText();
        ok.complete(ok.assignment(), "", 0);
        bad.complete(bad.assignment(), "", 2);
        awaitJob(id, "failed");

        JsonNode rerun = post("/api/v1/jobs/" + id + "/rerun", Map.of("only", "failed"), 201);
        assertThat(rerun.get("rerunOf").asText()).isEqualTo(id);
        assertThat(rerun.get("runs")).hasSize(1);
        assertThat(rerun.get("runs").get(0).get("nodeId").asText()).isEqualTo(bad.node.toString());
    }

    @Test
    void badJobRequestsAreRefusedWithTheReasonAndCreateNothing() throws Exception {
        FakeAgent a = agent("bad-requests");
        String target = a.node.toString();
        int before = get("/api/v1/jobs?size=500").get("total").asInt();
        assertThat(detail(Map.of("kind", "shell", "targets", Map.of("nodeIds", List.of(target)))))
                .contains("script is required");
        assertThat(detail(Map.of("kind", "perl", "script", "1", "targets", Map.of("nodeIds", List.of(target)))))
                .contains("kind must be shell, script, ansible or inventory");
        assertThat(detail(Map.of("kind", "shell", "script", "true"))).contains("targets is required");
        assertThat(detail(Map.of("kind", "shell", "script", "true", "targets", Map.of("nodeIds", List.of("x")))))
                .contains("'x' is not a node id");
        assertThat(detail(Map.of("kind", "shell", "script", "true", "targets", Map.of("query", "os.family = "))))
                .contains("rule at 12");
        assertThat(detail(Map.of("kind", "ansible", "playbook", "- hosts: all\n  tasks: [\n",
                "targets", Map.of("nodeIds", List.of(target))))).contains("not valid YAML at line");
        assertThat(detail(Map.of("kind", "shell", "script", "true", "runAs", "root; rm -rf /",
                "targets", Map.of("nodeIds", List.of(target))))).contains("runAs must be a user name");
        assertThat(detail(Map.of("kind", "shell", "script", "true", "timeoutSeconds", 0,
                "targets", Map.of("nodeIds", List.of(target))))).contains("timeoutSeconds must be between");
        assertThat(detail(Map.of("kind", "shell", "script", "true", "interpreter", "python3",
                "targets", Map.of("nodeIds", List.of(target))))).contains("interpreter does not apply");
        JsonNode none = post("/api/v1/jobs", Map.of("kind", "shell", "script", "true",
                "targets", Map.of("tags", List.of("no-such-tag-anywhere"))), 422);
        assertThat(none.get("detail").asText()).contains("match no nodes");
        assertThat(get("/api/v1/jobs?size=500").get("total").asInt()).isEqualTo(before);
        assertThat(server.anonymous(java.net.http.HttpRequest.newBuilder(server.uri("/api/v1/jobs"))).statusCode())
                .isEqualTo(401);
    }

    private String detail(Map<String, Object> body) throws Exception {
        return post("/api/v1/jobs", body, 400).get("detail").asText();
    }

    private static boolean readUntil(BufferedReader lines, List<String> seen, String prefix) throws Exception {
        String line;
        while ((line = lines.readLine()) != null) {
            seen.add(line);
            if (line.replace(" ", "").startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    static JsonNode runOf(JsonNode job, NodeId node) {
        for (JsonNode run : job.get("runs")) {
            if (run.get("nodeId").asText().equals(node.toString())) {
                return run;
            }
        }
        throw new AssertionError("no run for " + node + " in " + job);
    }

    static JsonNode awaitJob(String id, String status) throws Exception {
        JsonNode[] last = new JsonNode[1];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            last[0] = get("/api/v1/jobs/" + id);
            if (!last[0].get("status").asText().equals("running")) {
                assertThat(last[0].get("status").asText()).as(last[0].toString()).isEqualTo(status);
                return last[0];
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + id + " still running: " + last[0]);
    }

    static JsonNode get(String path) {
        HttpResponse<String> r = server.get(path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static JsonNode post(String path, Object body, int expected) throws Exception {
        HttpResponse<String> r = server.post(path, JSON.writeValueAsString(body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
        return JSON.readTree(r.body());
    }

    static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static Optional<String> header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name);
    }
}
