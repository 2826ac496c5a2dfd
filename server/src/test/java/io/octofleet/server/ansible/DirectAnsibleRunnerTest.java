package io.octofleet.server.ansible;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import io.octofleet.server.jobs.DirectRunner;
import io.octofleet.server.nodes.NodeId;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.octofleet.server.db.Tables.RUN_EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Direct-mode Ansible end to end: the job API, the real engine and recorder, the real ansible-runner, and a real
 * sshd on 127.0.0.1 standing in for hosts without an agent. Connection settings come from node parameters set over
 * the API, as an operator would.
 */
class DirectAnsibleRunnerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String USER = System.getProperty("user.name");
    @TempDir
    static Path tmp;
    static TestSshd sshd;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestSshd.available(), "/usr/sbin/sshd is not installed (apt-get install openssh-server, as .ci/run "
                + "does): skipping the direct-mode Ansible tests, which need a real SSH server");
        assumeTrue(AnsibleRunnerInstalled.find(System.getenv("PATH")).isPresent(),
                "ansible-runner is not on the PATH: skipping the direct-mode Ansible tests");
        sshd = TestSshd.start(Files.createDirectories(tmp.resolve("sshd")));
        server = TestServer.start(Map.of("octofleet.ansible.direct.host-key-checking", "false",
                "octofleet.jobs.sweep-interval", "500ms"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (sshd != null) {
            sshd.close();
        }
    }

    @Test
    void theRunnerIsPresentWhereAnsibleRunnerIsInstalled() {
        assertThat(server.context().findBean(DirectRunner.class)).get().isInstanceOf(DirectAnsibleRunner.class);
    }

    @Test
    void aPlaybookChangesTheHostOverSshAndItsRunSucceedsWithTheRecap() throws Exception {
        NodeId node = sshNode("direct-ok", sshd.port());
        Path dest = tmp.resolve("written-over-ssh.txt");
        String id = postJob(node, """
                - hosts: all
                  gather_facts: false
                  tasks:
                    - name: write the file
                      copy:
                        content: "written by {{ octofleet_hostname }} over ssh\\n"
                        dest: %s
                """.formatted(dest));

        JsonNode job = awaitEnd(id);
        JsonNode run = job.get("runs").get(0);
        assertThat(run.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.get("status").asText()).isEqualTo("succeeded");
        assertThat(run.get("recap").get("changed").asInt()).isEqualTo(1);
        assertThat(run.get("recap").get("failed").asInt()).isZero();
        assertThat(run.get("exitCode").asInt()).isZero();
        assertThat(Files.readString(dest)).isEqualTo("written by direct-ok over ssh\n");
        assertThat(events(run)).contains("changed|write the file|direct-ok|");
        assertThat(dataDirs()).as("the private data dir, with the inventory's secrets, is gone").isEmpty();
    }

    @Test
    void aFailingTaskFailsTheRunWithAReasonNamingTheTask() throws Exception {
        NodeId node = sshNode("direct-fail", sshd.port());
        String id = postJob(node, """
                - hosts: all
                  gather_facts: false
                  tasks:
                    - name: this task fails
                      command: /bin/false
                """);

        JsonNode job = awaitEnd(id);
        JsonNode run = job.get("runs").get(0);
        assertThat(run.get("status").asText()).as(job.toString()).isEqualTo("failed");
        assertThat(run.get("recap").get("failed").asInt()).isEqualTo(1);
        assertThat(run.get("reason").asText()).startsWith("task 'this task fails' failed: non-zero return code");
        assertThat(events(run)).contains("failed|this task fails|direct-fail|non-zero return code");
    }

    @Test
    void oneCallRunsEveryHostAndEachRunGetsItsOwnResultAndOutput() throws Exception {
        NodeId good = sshNode("direct-good", sshd.port());
        NodeId gone = sshNode("direct-gone", TestSshd.freePort());
        String id = postJob(List.of(good, gone), """
                - hosts: all
                  gather_facts: false
                  tasks:
                    - name: reach the host
                      ping:
                    - name: say hello
                      debug:
                        msg: "hello from {{ inventory_hostname }}"
                """);

        JsonNode job = awaitEnd(id);
        JsonNode goodRun = runOf(job, good);
        JsonNode goneRun = runOf(job, gone);
        assertThat(goodRun.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
        assertThat(goneRun.get("status").asText()).as(job.toString()).isEqualTo("unreachable");
        assertThat(goneRun.get("reason").asText()).contains("unreachable in task 'reach the host'")
                .contains("Connection refused");
        assertThat(goneRun.get("recap").get("unreachable").asInt()).isEqualTo(1);

        String goodOutput = output(id, good);
        assertThat(goodOutput).contains("PLAY [all]", "TASK [say hello]", "ok: [direct-good]",
                "\"msg\": \"hello from direct-good\"", "PLAY RECAP", "direct-good                : ok=2");
        assertThat(goodOutput).as("another host's results stay in that host's run").doesNotContain("direct-gone");
        assertThat(output(id, gone)).contains("TASK [reach the host]", "fatal: [direct-gone]: UNREACHABLE!")
                .doesNotContain("hello from direct-good");
    }

    @Test
    void cancellingStopsAnsibleRunnerAndEverythingItStarted() throws Exception {
        NodeId node = sshNode("direct-cancel", sshd.port());
        String id = postJob(node, """
                - hosts: all
                  gather_facts: false
                  tasks:
                    - name: sleep a long time
                      command: sleep 611
                """);
        await(() -> !processes("sleep 611").isEmpty(), "the remote sleep to start");
        List<ProcessHandle> runners = processes("ansible-runner run " + server.home());
        assertThat(runners).isNotEmpty();

        HttpResponse<String> cancel = server.post("/api/v1/jobs/" + id + "/cancel", "");
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);

        await(() -> get("/api/v1/jobs/" + id).get("runs").get(0).path("reason").asText()
                .contains("ansible-runner was stopped"), "the runner's own report of the cancelled run");
        JsonNode job = get("/api/v1/jobs/" + id);
        assertThat(job.get("status").asText()).isEqualTo("cancelled");
        assertThat(job.get("runs").get(0).get("status").asText()).isEqualTo("cancelled");
        assertThat(runners).noneMatch(io.octofleet.ansible.runner.Processes::running);
        await(() -> processes("sleep 611").isEmpty(), "the remote sleep to end with its SSH session");
        assertThat(processes(server.home().resolve("ansible-direct").toString())).isEmpty();
        assertThat(processes("octofleet-ssh-")).as("ssh ControlPersist masters").isEmpty();
        assertThat(dataDirs()).isEmpty();
    }

    @Test
    void aRunPastItsTimeoutIsStoppedAndEndsTimedOut() throws Exception {
        NodeId node = sshNode("direct-slow", sshd.port());
        String id = postJob(List.of(node), """
                - hosts: all
                  gather_facts: false
                  tasks:
                    - name: outlast the timeout
                      command: sleep 612
                """, 3);

        JsonNode run = awaitEnd(id).get("runs").get(0);
        assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("timed_out");
        assertThat(run.get("reason").asText()).startsWith("timed out after 3 s");
        await(() -> processes("sleep 612").isEmpty(), "the remote sleep to end with its SSH session");
    }

    @Test
    void aProjectArchiveWithoutThePlaybookFailsWithAnsiblesOwnError() throws Exception {
        NodeId node = sshNode("direct-archive", sshd.port());
        Path src = Files.createDirectories(tmp.resolve("project-src"));
        Files.writeString(src.resolve("site.yml"), "- hosts: all\n  tasks: []\n");
        Path archive = tmp.resolve("project.tar.gz");
        Process tar = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", src.toString(), ".")
                .redirectErrorStream(true).start();
        assertThat(tar.waitFor()).isZero();
        HttpResponse<String> r = server.post("/api/v1/jobs", JSON.writeValueAsString(Map.of(
                "kind", "ansible", "mode", "direct", "playbookPath", "missing.yml",
                "projectArchive", java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(archive)),
                "targets", Map.of("nodeIds", List.of(node.toString())))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);

        JsonNode run = awaitEnd(JSON.readTree(r.body()).get("id").asText()).get("runs").get(0);
        assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("failed");
        assertThat(run.get("reason").asText())
                .isEqualTo("ansible-runner exited 1: ERROR! the playbook: missing.yml could not be found");
    }

    @Test
    void hostsOfOneCallWithDifferentVaultPasswordsFailWithoutRunning() throws Exception {
        NodeId a = sshNode("direct-vault-a", sshd.port());
        NodeId b = sshNode("direct-vault-b", sshd.port());
        putParameter(a, "vault_pw", "one");
        putParameter(b, "vault_pw", "two");
        HttpResponse<String> r = server.post("/api/v1/jobs", JSON.writeValueAsString(Map.of(
                "kind", "ansible", "mode", "direct", "playbook", "- hosts: all\n  tasks: []\n",
                "vaultPasswordParameter", "vault_pw",
                "targets", Map.of("nodeIds", List.of(a.toString(), b.toString())))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);

        JsonNode job = awaitEnd(JSON.readTree(r.body()).get("id").asText());
        for (JsonNode run : job.get("runs")) {
            assertThat(run.get("status").asText()).isEqualTo("failed");
            assertThat(run.get("reason").asText()).startsWith("the vault password parameter 'vault_pw' differs");
        }
    }

    /** A node without an agent, reachable over SSH as Ansible's parameters say. */
    private static NodeId sshNode(String hostname, int port) throws Exception {
        NodeId node = server.createNode(hostname);
        putParameter(node, "ansible_host", "127.0.0.1");
        putParameter(node, "ansible_port", String.valueOf(port));
        putParameter(node, "ansible_user", USER);
        putParameter(node, "ansible_ssh_private_key_file", sshd.clientKey().toString());
        // Spares interpreter discovery (and its warning) on every run.
        putParameter(node, "ansible_python_interpreter", "/usr/bin/python3");
        return node;
    }

    private static void putParameter(NodeId node, String key, String value) throws Exception {
        HttpResponse<String> r = server.send(server.request("/api/v1/nodes/" + node + "/parameters/" + key)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("value", value)))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static String postJob(NodeId node, String playbook) throws Exception {
        return postJob(List.of(node), playbook, 120);
    }

    private static String postJob(List<NodeId> nodes, String playbook) throws Exception {
        return postJob(nodes, playbook, 120);
    }

    private static String postJob(List<NodeId> nodes, String playbook, int timeoutSeconds) throws Exception {
        HttpResponse<String> r = server.post("/api/v1/jobs", JSON.writeValueAsString(Map.of(
                "kind", "ansible", "mode", "direct", "playbook", playbook, "timeoutSeconds", timeoutSeconds,
                "targets", Map.of("nodeIds", nodes.stream().map(NodeId::toString).toList()))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body()).get("id").asText();
    }

    private static JsonNode awaitEnd(String id) {
        JsonNode[] last = new JsonNode[1];
        try {
            await(() -> {
                last[0] = get("/api/v1/jobs/" + id);
                return !last[0].get("status").asText().equals("running");
            }, "job " + id + " to end");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
        }
        return last[0];
    }

    private static JsonNode runOf(JsonNode job, NodeId node) {
        for (JsonNode run : job.get("runs")) {
            if (run.get("nodeId").asText().equals(node.toString())) {
                return run;
            }
        }
        throw new AssertionError("no run for " + node + " in " + job);
    }

    private static String output(String job, NodeId node) {
        HttpResponse<String> r = server.get("/api/v1/jobs/" + job + "/runs/" + node + "/output");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** The run's task events as kind|task|host|message. */
    private static List<String> events(JsonNode run) {
        return server.bean(DSLContext.class).selectFrom(RUN_EVENTS)
                .where(RUN_EVENTS.RUN_ID.eq(java.util.UUID.fromString(run.get("runId").asText())))
                .orderBy(RUN_EVENTS.SEQ)
                .fetch(e -> e.getKind() + "|" + e.getTask() + "|" + e.getHost() + "|"
                        + Optional.ofNullable(e.getMessage()).orElse(""));
    }

    private static List<Path> dataDirs() throws Exception {
        Path root = server.home().resolve("ansible-direct");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.toList();
        }
    }

    /** Live processes whose command line contains the text. */
    private static List<ProcessHandle> processes(String text) {
        return ProcessHandle.allProcesses().filter(io.octofleet.ansible.runner.Processes::running)
                .filter(p -> ProcessTree.commandLine(p).map(c -> c.contains(text)).orElse(false)).toList();
    }

    private static JsonNode get(String path) {
        HttpResponse<String> r = server.get(path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void await(Supplier<Boolean> condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 60 s for " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
