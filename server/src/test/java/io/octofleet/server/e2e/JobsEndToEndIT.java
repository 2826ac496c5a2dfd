package io.octofleet.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jobs as an operator runs them: the packaged server on its embedded PostgreSQL and two packaged agents as separate
 * processes over mutual TLS; real shells, real ansible-runner, real process trees.
 */
class JobsEndToEndIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Fleet fleet;

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void jobsRunOnADynamicGroupOfTwoAgentsStreamLiveAndCanBeCancelledOrTimedOut() throws Exception {
        fleet = new Fleet(dir, Duration.ofSeconds(2));
        fleet.startServer("server.log");
        Api api = fleet.api();
        String a = enroll(api, "agent-a");
        String b = enroll(api, "agent-b");
        String group = api.post("/api/v1/groups", json(Map.of("name", "linux-boxes", "kind", "dynamic",
                "rule", "os.family = \"linux\" and cpu.threads >= 1"))).body().get("id").asText();
        awaitGroupSize(api, group, 2);

        // A shell job on the dynamic group: both agents run it; output streams before the runs end.
        JsonNode job = api.post("/api/v1/jobs", json(Map.of("name", "hello", "kind", "shell",
                "script", "echo \"first from $OCTOFLEET_NODE_ID\"\necho oops >&2\nsleep 3\necho second\nexit 7",
                "targets", Map.of("groupIds", List.of(group))))).body();
        String id = job.get("id").asText();
        assertThat(job.get("runs")).hasSize(2);
        try (InputStream events = api.stream("/api/v1/jobs/" + id + "/events")) {
            BufferedReader lines = new BufferedReader(new InputStreamReader(events, StandardCharsets.UTF_8));
            JsonNode output = nextEvent(lines, "output", e -> e.get("text").asText().contains("first from"));
            String runningNode = output.get("nodeId").asText();
            JsonNode runNow = runOf(api.get("/api/v1/jobs/" + id).body(), runningNode);
            assertThat(runNow.get("status").asText()).as("output arrived while the run was still running")
                    .isEqualTo("running");
            nextEvent(lines, "job", e -> !e.get("status").asText().equals("running"));
        }
        JsonNode done = awaitJob(api, id);
        assertThat(done.get("status").asText()).isEqualTo("failed");
        for (String node : List.of(a, b)) {
            JsonNode run = runOf(done, node);
            assertThat(run.get("status").asText()).isEqualTo("failed");
            assertThat(run.get("exitCode").asInt()).isEqualTo(7);
            Api.Text out = api.text("/api/v1/jobs/" + id + "/runs/" + node + "/output");
            assertThat(out.body()).contains("first from " + node).contains("oops").contains("second");
            assertThat(out.body().indexOf("first from")).isLessThan(out.body().indexOf("second"));
            assertThat(out.headers().firstValue("Octofleet-Output-Complete")).contains("true");
        }

        // Cancel kills the whole process tree on the agent, a background child included.
        String cancelMark = uniqueSleep();
        String cancelled = api.post("/api/v1/jobs", json(Map.of("kind", "shell",
                "script", "sleep " + cancelMark + " &\nsleep " + cancelMark + "\n",
                "targets", Map.of("nodeIds", List.of(a))))).body().get("id").asText();
        await(() -> processesRunning("sleep " + cancelMark) == 2, "both sleeps started");
        await(() -> "running".equals(runOf(get(api, "/api/v1/jobs/" + cancelled), a).get("status").asText()),
                "run reported running");
        assertThat(api.post("/api/v1/jobs/" + cancelled + "/cancel", "{}").status()).isEqualTo(200);
        JsonNode afterCancel = awaitJob(api, cancelled);
        assertThat(afterCancel.get("status").asText()).isEqualTo("cancelled");
        assertThat(runOf(afterCancel, a).get("status").asText()).isEqualTo("cancelled");
        await(() -> processesRunning("sleep " + cancelMark) == 0, "cancelled processes gone");

        // A timeout does the same and says timed_out.
        String timeoutMark = uniqueSleep();
        String timed = api.post("/api/v1/jobs", json(Map.of("kind", "shell", "script", "sleep " + timeoutMark,
                "timeoutSeconds", 2, "targets", Map.of("nodeIds", List.of(b))))).body().get("id").asText();
        JsonNode afterTimeout = awaitJob(api, timed);
        assertThat(runOf(afterTimeout, b).get("status").asText()).isEqualTo("timed_out");
        await(() -> processesRunning("sleep " + timeoutMark) == 0, "timed-out process gone");

        // An inventory job: the real agent collects now (nothing changed since it connected) and says so.
        String inventory = api.post("/api/v1/jobs", json(Map.of("kind", "inventory",
                "targets", Map.of("nodeIds", List.of(a))))).body().get("id").asText();
        JsonNode refreshed = awaitJob(api, inventory);
        assertThat(refreshed.get("status").asText()).isEqualTo("succeeded");
        assertThat(api.text("/api/v1/jobs/" + inventory + "/runs/" + a + "/output").body())
                .startsWith("inventory collected: unchanged since the last report");
    }

    @Test
    void ansiblePlaybooksReportChangedAndFailedTasksThroughTheAgent() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/ansible-runner")),
                "ansible-runner is not installed (.ci/run installs python3-ansible-runner)");
        fleet = new Fleet(dir, Duration.ofSeconds(2));
        fleet.startServer("server.log");
        Api api = fleet.api();
        String node = enroll(api, "agent-a");
        Path target = dir.resolve("managed-by-ansible.txt");

        String changing = api.post("/api/v1/jobs", json(Map.of("kind", "ansible",
                "playbook", "- hosts: all\n  gather_facts: false\n  tasks:\n"
                        + "    - name: write the file\n      copy:\n        dest: \"{{ target }}\"\n"
                        + "        content: \"hello {{ greeting }}\\n\"\n",
                "extraVars", Map.of("target", target.toString(), "greeting", "fleet"),
                "targets", Map.of("nodeIds", List.of(node))))).body().get("id").asText();
        JsonNode changed = awaitJob(api, changing);
        JsonNode run = runOf(changed, node);
        assertThat(changed.get("status").asText()).as(changed.toString()).isEqualTo("succeeded");
        assertThat(run.get("recap").get("changed").asInt()).isEqualTo(1);
        assertThat(run.get("recap").get("failed").asInt()).isZero();
        assertThat(Files.readString(target)).isEqualTo("hello fleet\n");

        String failing = api.post("/api/v1/jobs", json(Map.of("kind", "ansible",
                "playbook", "- hosts: all\n  gather_facts: false\n  tasks:\n"
                        + "    - name: this task fails\n      command: /bin/false\n",
                "targets", Map.of("nodeIds", List.of(node))))).body().get("id").asText();
        JsonNode failed = awaitJob(api, failing);
        JsonNode failedRun = runOf(failed, node);
        assertThat(failedRun.get("status").asText()).isEqualTo("failed");
        assertThat(failedRun.get("recap").get("failed").asInt()).isEqualTo(1);
        assertThat(failedRun.get("reason").asText()).contains("this task fails");
    }

    @Test
    void aServerRestartMidJobLosesNothingAndAnOfflineAgentRunsTheJobWhenItReturns() throws Exception {
        fleet = new Fleet(dir, Duration.ofSeconds(2));
        ManagedProcess server = fleet.startServer("server-1.log");
        Api api = fleet.api();
        String online = enroll(api, "agent-online");
        Path offlineState = dir.resolve("state-agent-offline");
        String offline = enroll(api, "agent-offline");
        ManagedProcess offlineAgent = agents.get(offline);
        offlineAgent.stop();
        fleet.awaitStatus(api, offline, "offline", Duration.ofSeconds(30));

        String id = api.post("/api/v1/jobs", json(Map.of("kind", "shell",
                "script", "for i in $(seq 1 12); do echo \"line $i\"; sleep 0.5; done",
                "targets", Map.of("nodeIds", List.of(online, offline))))).body().get("id").asText();
        await(() -> api.textQuietly("/api/v1/jobs/" + id + "/runs/" + online + "/output").contains("line 2"),
                "the online agent is running the job");

        server.stop();
        Thread.sleep(2_000); // the run goes on; its output waits in the agent's spool
        fleet.startServer("server-2.log");
        Api again = fleet.api();
        ManagedProcess returning = fleet.startAgent("agent-offline-2.log", "run", "--state-dir",
                offlineState.toString());
        assertThat(returning.isAlive()).isTrue();

        JsonNode done = awaitJob(again, id);
        assertThat(done.get("status").asText()).as(done + fleet.logs()).isEqualTo("succeeded");
        for (String node : List.of(online, offline)) {
            String output = again.text("/api/v1/jobs/" + id + "/runs/" + node + "/output").body();
            StringBuilder expected = new StringBuilder();
            for (int i = 1; i <= 12; i++) {
                expected.append("line ").append(i).append('\n');
            }
            assertThat(output).as("every line exactly once, in order, on " + node).isEqualTo(expected.toString());
        }
    }

    private final Map<String, ManagedProcess> agents = new java.util.HashMap<>();

    /** Enrolls an agent process with its own state directory and returns its node id once it is online. */
    private String enroll(Api api, String name) throws Exception {
        Path state = dir.resolve("state-" + name);
        ManagedProcess agent = fleet.startAgent(name + ".log", "run", "--join", fleet.joinString(api),
                "--state-dir", state.toString());
        Instant deadline = Instant.now().plusSeconds(90);
        while (Instant.now().isBefore(deadline)) {
            if (Files.exists(state.resolve("node-id"))) {
                String node = Files.readString(state.resolve("node-id")).trim();
                JsonNode n = api.get("/api/v1/nodes/" + node).body();
                if (n != null && "online".equals(n.path("status").asText()) && !n.path("inventory").isNull()) {
                    agents.put(node, agent);
                    return node;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError(name + " did not come online" + fleet.logs());
    }

    private static void awaitGroupSize(Api api, String group, int size) throws Exception {
        await(() -> get(api, "/api/v1/groups/" + group + "/nodes").get("total").asInt() == size,
                "group has " + size + " nodes");
    }

    private JsonNode awaitJob(Api api, String id) throws Exception {
        Instant deadline = Instant.now().plusSeconds(120);
        JsonNode job = null;
        while (Instant.now().isBefore(deadline)) {
            job = api.get("/api/v1/jobs/" + id).body();
            if (!job.get("status").asText().equals("running")) {
                return job;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job still running: " + job + fleet.logs());
    }

    private static JsonNode nextEvent(BufferedReader lines, String name, Predicate<JsonNode> wanted) throws Exception {
        String event = null;
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            } else if (line.startsWith("data:") && name.equals(event)) {
                JsonNode data = JSON.readTree(line.substring(5));
                if (wanted.test(data)) {
                    return data;
                }
            }
        }
        throw new AssertionError("the event stream ended before a matching '" + name + "' event");
    }

    private static JsonNode runOf(JsonNode job, String node) {
        for (JsonNode run : job.get("runs")) {
            if (run.get("nodeId").asText().equals(node)) {
                return run;
            }
        }
        throw new AssertionError("no run for " + node + " in " + job);
    }

    private static JsonNode get(Api api, String path) {
        try {
            return api.get(path).body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A sleep duration no other process on this host is likely to use, to find exactly our processes. */
    private static String uniqueSleep() {
        return String.valueOf(600_000 + ThreadLocalRandom.current().nextInt(100_000));
    }

    /** How many processes run exactly this command line. */
    private static long processesRunning(String commandLine) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.endsWith(commandLine)).orElse(false))
                .count();
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(100);
        }
    }

    private static String json(Object value) throws Exception {
        return JSON.writeValueAsString(value);
    }
}
