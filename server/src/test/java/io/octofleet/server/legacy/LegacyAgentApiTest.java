package io.octofleet.server.legacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Python-era agents' HTTP API against the real server on embedded PostgreSQL: realistic payloads of the Linux
 * bash agent and the Windows service replayed as they send them, then checked through the normal API (the node, its
 * typed inventory, packages, metrics, jobs). Also keys, refusals and bad input, each checked to change nothing.
 */
class LegacyAgentApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of());
        HttpResponse<String> created = server.post("/api/v1/legacy-keys", "{\"name\": \"linux and windows agents\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        key = JSON.readTree(created.body()).get("key").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String resource(String name) {
        try (InputStream in = LegacyAgentApiTest.class.getResourceAsStream("/legacy/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Linux agent's report (test resource) as host {@code hostname} sends it. */
    static String linuxReport(String hostname) {
        return resource("linux-inventory.json").replace("\"web-07\"", "\"" + hostname + "\"");
    }

    /** Reports {@link #linuxReport} as a legacy agent and returns the node's id. */
    static String linuxNode(String hostname) throws IOException {
        return ok(agent("POST", "/api/v1/inventory/full", key, linuxReport(hostname))).get("node").asText();
    }

    /** Creates a job as the admin and returns its id. */
    static String createJob(String body) throws IOException {
        HttpResponse<String> created = server.post("/api/v1/jobs", body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return JSON.readTree(created.body()).get("id").asText();
    }

    /** A request as a legacy agent sends it: X-API-Key, JSON, no bearer token. */
    static HttpResponse<String> agent(String method, String path, String apiKey, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path));
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return server.anonymous(request);
    }

    static JsonNode ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode nodeByHostname(String hostname) {
        JsonNode page = ok(server.get("/api/v1/nodes?q=" + URLEncoder.encode(hostname, StandardCharsets.UTF_8)));
        for (JsonNode n : page.get("items")) {
            if (n.get("hostname").asText().equals(hostname)) {
                return n;
            }
        }
        throw new AssertionError("no node " + hostname + " in " + page);
    }

    static int nodeCount() {
        return ok(server.get("/api/v1/nodes?size=1")).get("total").asInt();
    }

    @Test
    void theLinuxAgentsInventoryMakesALegacyNodeWithTypedInventoryAndPackages() {
        JsonNode accepted = ok(agent("POST", "/api/v1/inventory/full", key, resource("linux-inventory.json")));
        assertThat(accepted.get("changed").asBoolean()).isTrue();
        String id = accepted.get("node").asText();

        JsonNode node = nodeByHostname("web-07");
        assertThat(node.get("id").asText()).isEqualTo(id);
        assertThat(node.get("agentKind").asText()).isEqualTo("legacy");
        assertThat(node.get("agentVersion").asText()).isEqualTo("0.4.26-linux");
        assertThat(node.get("organization").asText()).isEqualTo("default");
        assertThat(node.get("status").asText()).isEqualTo("online");

        JsonNode inventory = ok(server.get("/api/v1/nodes/" + id)).get("inventory");
        assertThat(inventory.get("os").get("family").asText()).isEqualTo("linux");
        assertThat(inventory.get("os").get("name").asText()).isEqualTo("Debian GNU/Linux");
        assertThat(inventory.get("os").get("kernel").asText()).isEqualTo("6.1.0-28-amd64");
        assertThat(inventory.get("os").get("arch").asText()).isEqualTo("x86_64");
        assertThat(inventory.get("cpu").get("model").asText()).isEqualTo("Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz");
        assertThat(inventory.get("cpu").get("vendor").asText()).isEqualTo("GenuineIntel");
        assertThat(inventory.get("cpu").get("cores").asInt()).isEqualTo(8);
        assertThat(inventory.get("cpu").get("threads").asInt()).isEqualTo(16);
        assertThat(inventory.get("memory").get("totalBytes").asLong()).isEqualTo(33564520448L);
        assertThat(inventory.get("disks")).hasSize(1);
        assertThat(inventory.get("disks").get(0).get("name").asText()).isEqualTo("sda");
        assertThat(inventory.get("disks").get(0).get("sizeBytes").asLong()).isEqualTo(107374182400L);
        List<String> mounts = new ArrayList<>();
        inventory.get("filesystems").forEach(f -> mounts.add(f.get("mount").asText()));
        assertThat(mounts).containsExactlyInAnyOrder("/boot/efi", "/");
        assertThat(inventory.get("nics")).hasSize(1); // lo is not a NIC
        assertThat(inventory.get("nics").get(0).get("mac").asText()).isEqualTo("3c:ec:ef:12:34:56");
        assertThat(inventory.get("nics").get(0).get("ipv4").get(0).asText()).isEqualTo("10.20.30.7");
        assertThat(inventory.get("system").get("manufacturer").asText()).isEqualTo("Supermicro");
        assertThat(inventory.get("system").get("biosVersion").asText()).isEqualTo("1.4a");
        assertThat(inventory.get("bootTime").asText()).isEqualTo("2026-11-22T07:30:00Z");

        JsonNode packages = ok(server.get("/api/v1/nodes/" + id + "/packages"));
        assertThat(packages.get("total").asInt()).isEqualTo(5); // libc6 twice: amd64 and i386
        List<String> names = new ArrayList<>();
        packages.get("items").forEach(p -> names.add(p.get("name").asText() + "/" + p.get("arch").asText()
                + "=" + p.get("version").asText()));
        assertThat(names).contains("nginx/amd64=1.22.1-9+deb12u1", "libc6/i386=2.36-9+deb12u9", "tzdata/all=2024a-0+deb12u1");

        // the same report again changes nothing; a changed one is history
        assertThat(ok(agent("POST", "/api/v1/inventory/full", key, resource("linux-inventory.json")))
                .get("changed").asBoolean()).isFalse();
        String upgraded = resource("linux-inventory.json").replace("1.22.1-9+deb12u1", "1.22.1-9+deb12u2");
        assertThat(ok(agent("POST", "/api/v1/inventory/full", key, upgraded)).get("changed").asBoolean()).isTrue();
        JsonNode history = ok(server.get("/api/v1/nodes/" + id + "/inventory/history"));
        assertThat(history.toString()).contains("nginx").contains("1.22.1-9+deb12u2");

        // rules see the node like any other
        JsonNode matched = ok(server.get("/api/v1/nodes?query=" + URLEncoder.encode(
                "package = \"nginx\" and os.family = \"linux\"", StandardCharsets.UTF_8)));
        assertThat(matched.toString()).contains(id);
    }

    @Test
    void theWindowsAgentsRicherInventoryIsMappedAndItsThreeNamesForOneMachineMeetInOneNode() {
        JsonNode accepted = ok(agent("POST", "/api/v1/inventory/full", key, resource("windows-inventory.json")));
        assertThat(accepted.get("nodeId").asText()).isEqualTo("win-ws-0042");
        String id = accepted.get("node").asText();

        JsonNode node = nodeByHostname("WS-0042");
        assertThat(node.get("agentKind").asText()).isEqualTo("legacy");
        assertThat(node.get("agentVersion").asText()).isEqualTo("0.5.3");
        JsonNode inventory = ok(server.get("/api/v1/nodes/" + id)).get("inventory");
        assertThat(inventory.get("os").get("family").asText()).isEqualTo("windows");
        assertThat(inventory.get("os").get("name").asText()).isEqualTo("Microsoft Windows 11 Pro");
        assertThat(inventory.get("os").get("arch").asText()).isEqualTo("x86_64");
        assertThat(inventory.get("cpu").get("cores").asInt()).isEqualTo(8);
        assertThat(inventory.get("cpu").get("threads").asInt()).isEqualTo(16);
        assertThat(inventory.get("cpu").get("maxFrequencyHz").asLong()).isEqualTo(1_901_000_000L);
        assertThat(inventory.get("memory").get("totalBytes").asLong()).isEqualTo(Math.round(31.69 * (1L << 30)));
        assertThat(inventory.get("disks").get(0).get("type").asText()).isEqualTo("nvme");
        assertThat(inventory.get("disks").get(0).get("model").asText()).isEqualTo("SAMSUNG MZVLB512HBJQ-000L7");
        assertThat(inventory.get("filesystems").get(0).get("mount").asText()).isEqualTo("C:");
        assertThat(inventory.get("filesystems").get(0).get("type").asText()).isEqualTo("NTFS");
        assertThat(inventory.get("nics").get(0).get("mac").asText()).isEqualTo("a4:c3:f0:12:34:56");
        assertThat(inventory.get("nics").get(0).get("ipv4").get(0).asText()).isEqualTo("192.168.178.42");
        assertThat(inventory.get("nics").get(0).get("ipv6").get(0).asText()).isEqualTo("fe80::1c2d:3e4f:5a6b:7c8d");
        assertThat(inventory.get("gpus").get(0).get("model").asText()).isEqualTo("AMD Radeon(TM) Graphics");
        assertThat(inventory.get("system").get("serial").asText()).isEqualTo("PF3ABC42");
        assertThat(inventory.get("system").get("uuid").asText()).isEqualTo("4C4C4544-0042-3510-8052-B2C04F4B4E32");
        assertThat(inventory.get("system").get("model").asText()).isEqualTo("20YG003FGE");
        JsonNode packages = ok(server.get("/api/v1/nodes/" + id + "/packages"));
        assertThat(packages.toString()).contains("7-Zip 23.01 (x64)").contains("14.38.33135.0");

        // live data names the machine in upper case, the job poller as win-<lower case>: both are this node
        String live = "{\"nodeId\": \"WS-0042\", \"timestamp\": \"" + Instant.now() + "\", "
                + "\"metrics\": {\"cpuPercent\": 0, \"memoryPercent\": 61.5, \"diskPercent\": 55.3}, "
                + "\"processes\": [{\"name\": \"explorer\", \"pid\": 4412, \"cpuPercent\": 0.4, \"memoryMb\": 210.5, "
                + "\"userName\": \"CORP\\\\alice\", \"threadCount\": 87}], "
                + "\"network\": [{\"name\": \"Wi-Fi\", \"description\": \"Intel(R) Wi-Fi 6 AX200\", \"linkUp\": true, "
                + "\"speedMbps\": 866, \"rxBytesPerSec\": 10240, \"txBytesPerSec\": 2048, \"rxTotalMb\": 1024.5, "
                + "\"txTotalMb\": 256.1}], \"agentLogs\": [{\"timestamp\": \"2026-12-06T07:40:00+00:00\", "
                + "\"level\": \"Information\", \"source\": \"OctofleetNodeAgent\", \"message\": \"started\", \"eventId\": 0}]}";
        ok(agent("POST", "/api/v1/live-data", key, live));
        JsonNode metrics = ok(server.get("/api/v1/nodes/" + id + "/metrics?names=mem.used.pct,fs.free.pct,nic.rx.bps"));
        assertThat(metrics.toString()).contains("mem.used.pct").contains("61.5").contains("\"C:\"")
                .contains("44.7").contains("Wi-Fi").contains("10240");
        assertThat(ok(agent("GET", "/api/v1/jobs/pending/win-ws-0042", key, null)).get("count").asInt()).isZero();
        assertThat(nodeCountWithHostname("WS-0042")).isEqualTo(1);

        // what has no place in the typed inventory is kept as sent: hotfixes, security state, processes, logs
        JsonNode kept = ok(server.get("/api/v1/nodes/" + id + "/legacy-reports"));
        assertThat(kept.get("total").asInt()).isEqualTo(2);
        assertThat(kept.get("items").get(0).get("kind").asText()).isEqualTo("inventory");
        assertThat(kept.get("items").get(0).get("body").get("hotfixes").toString()).contains("KB5044284");
        assertThat(kept.get("items").get(0).get("body").get("security").get("bitlocker").toString()).contains("On");
        assertThat(kept.get("items").get(1).get("kind").asText()).isEqualTo("live-data");
        assertThat(kept.get("items").get(1).get("body").get("processes").get(0).get("name").asText())
                .isEqualTo("explorer");
    }

    static int nodeCountWithHostname(String hostname) {
        JsonNode page = ok(server.get("/api/v1/nodes?q=" + hostname));
        int n = 0;
        for (JsonNode node : page.get("items")) {
            n += node.get("hostname").asText().equalsIgnoreCase(hostname) ? 1 : 0;
        }
        return n;
    }

    @Test
    void liveDataOfTheLinuxAgentLandsInTheMetricStore() {
        String inventory = linuxReport("db-03");
        String id = ok(agent("POST", "/api/v1/inventory/full", key, inventory)).get("node").asText();
        String live = "{\"nodeId\": \"db-03\", \"timestamp\": \"" + Instant.now().toString().substring(0, 19) + "Z\", "
                + "\"metrics\": {\"cpuPercent\": 12.5, \"memoryPercent\": 40.2, \"diskPercent\": 71}, "
                + "\"processes\": [{\"name\":\"postgres\",\"pid\":812,\"cpuPercent\":5.1,\"memoryMb\":512.0,\"userName\":\"postgres\"}], "
                + "\"network\": [{\"name\":\"eno1\",\"linkUp\":true,\"speedMbps\":1000,\"rxBytesPerSec\":5000,"
                + "\"txBytesPerSec\":7000,\"rxTotalMb\":100.0,\"txTotalMb\":200.0}], \"agentLogs\": []}";
        ok(agent("POST", "/api/v1/live-data", key, live));
        JsonNode metrics = ok(server.get("/api/v1/nodes/" + id + "/metrics?names=cpu.usage,fs.free.pct,nic.tx.bps"));
        assertThat(metrics.toString()).contains("cpu.usage").contains("12.5").contains("\"/\"").contains("29")
                .contains("eno1").contains("7000");
        // unknown node: nothing to put it on
        HttpResponse<String> unknown = agent("POST", "/api/v1/live-data", key, live.replace("db-03", "never-reported"));
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(unknown.body()).contains("inventory/full");
    }

    @Test
    void aShellJobForALegacyNodeGoesThroughPendingStartAndResultAndEndsSucceededWithTheOutput() throws Exception {
        String inventory = linuxReport("app-11");
        String id = ok(agent("POST", "/api/v1/inventory/full", key, inventory)).get("node").asText();
        HttpResponse<String> created = server.post("/api/v1/jobs", "{\"name\": \"uptime check\", \"kind\": \"shell\", "
                + "\"script\": \"uptime && echo done\", \"targets\": {\"nodeIds\": [\"" + id + "\"]}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String job = JSON.readTree(created.body()).get("id").asText();

        JsonNode[] pending = new JsonNode[1];
        await(() -> {
            pending[0] = ok(agent("GET", "/api/v1/jobs/pending/app-11", key, null));
            return pending[0].get("count").asInt() == 1;
        });
        JsonNode handed = pending[0].get("jobs").get(0);
        assertThat(handed.get("jobName").asText()).isEqualTo("uptime check");
        assertThat(handed.get("commandType").asText()).isEqualTo("shell");
        // commandPayload is JSON text, which both agents parse; the script comes after the run's environment
        String script = JSON.readTree(handed.get("commandPayload").asText()).get("script").asText();
        assertThat(script).endsWith("uptime && echo done").contains("export OCTOFLEET_JOB_ID='" + job + "'");
        String instance = handed.get("instanceId").asText();

        ok(agent("POST", "/api/v1/jobs/instances/" + instance + "/start", key, null));
        await(() -> runOf(job).get("status").asText().equals("running"));
        // a started run is not handed out again
        assertThat(ok(agent("GET", "/api/v1/jobs/pending/app-11", key, null)).get("count").asInt()).isZero();

        String result = "{\"status\": \"success\", \"exitCode\": 0, \"stdout\": \" 09:12:01 up 14 days\\ndone\\n\", "
                + "\"stderr\": \"\"}";
        ok(agent("POST", "/api/v1/jobs/instances/" + instance + "/result", key, result));
        await(() -> ok(server.get("/api/v1/jobs/" + job)).get("status").asText().equals("succeeded"));
        JsonNode run = runOf(job);
        assertThat(run.get("status").asText()).isEqualTo("succeeded");
        assertThat(run.get("exitCode").asInt()).isZero();
        assertThat(server.get("/api/v1/jobs/" + job + "/runs/" + id + "/output").body())
                .isEqualTo(" 09:12:01 up 14 days\ndone\n");
        // the agent retries a result whose answer it lost: stored once
        ok(agent("POST", "/api/v1/jobs/instances/" + instance + "/result", key, result));
        assertThat(server.get("/api/v1/jobs/" + job + "/runs/" + id + "/output").body())
                .isEqualTo(" 09:12:01 up 14 days\ndone\n");

        // the Windows agent's result has "success" instead of "status"; a failure keeps its exit code
        String job2 = createJob("{\"kind\": \"shell\", \"script\": \"false\", "
                + "\"targets\": {\"nodeIds\": [\"" + id + "\"]}}");
        await(() -> ok(agent("GET", "/api/v1/jobs/pending/app-11", key, null)).get("count").asInt() == 1);
        String instance2 = ok(agent("GET", "/api/v1/jobs/pending/app-11", key, null)).get("jobs").get(0)
                .get("instanceId").asText();
        ok(agent("POST", "/api/v1/jobs/instances/" + instance2 + "/result", key,
                "{\"instanceId\": \"" + instance2 + "\", \"success\": false, \"exitCode\": 1, \"stdout\": \"\", "
                        + "\"stderr\": \"it failed\\n\", \"startedAt\": \"2026-12-06T09:00:00Z\"}"));
        await(() -> ok(server.get("/api/v1/jobs/" + job2)).get("status").asText().equals("failed"));
        assertThat(runOf(job2).get("exitCode").asInt()).isEqualTo(1);
        assertThat(server.get("/api/v1/jobs/" + job2 + "/runs/" + id + "/output").body()).isEqualTo("it failed\n");
    }

    @Test
    void anInventoryJobBecomesTheLinuxAgentsInventoryPushAndFailsWithTheReasonOnWindows() throws Exception {
        String linux = linuxNode("inv-03");
        String job = createJob("{\"kind\": \"inventory\", \"targets\": "
                + "{\"nodeIds\": [\"" + linux + "\"]}}");
        JsonNode[] pending = new JsonNode[1];
        await(() -> {
            pending[0] = ok(agent("GET", "/api/v1/jobs/pending/inv-03", key, null));
            return pending[0].get("count").asInt() == 1;
        });
        JsonNode handed = pending[0].get("jobs").get(0);
        assertThat(handed.get("commandType").asText()).isEqualTo("inventory_push");
        // what the bash agent does for inventory_push: push the inventory, then report
        ok(agent("POST", "/api/v1/jobs/instances/" + handed.get("instanceId").asText() + "/start", key, null));
        ok(agent("POST", "/api/v1/inventory/full", key,
                linuxReport("inv-03")));
        ok(agent("POST", "/api/v1/jobs/instances/" + handed.get("instanceId").asText() + "/result", key,
                "{\"status\": \"success\", \"exitCode\": 0, \"stdout\": \"Inventory push completed\\n\", \"stderr\": \"\"}"));
        await(() -> runOf(job).get("status").asText().equals("succeeded"));

        String windows = ok(agent("POST", "/api/v1/inventory/full", key,
                resource("windows-inventory.json").replace("WS-0042", "WS-0099"))).get("node").asText();
        String job2 = createJob("{\"kind\": \"inventory\", \"targets\": "
                + "{\"nodeIds\": [\"" + windows + "\"]}}");
        await(() -> {
            assertThat(ok(agent("GET", "/api/v1/jobs/pending/win-ws-0099", key, null)).get("count").asInt()).isZero();
            return runOf(job2).get("status").asText().equals("failed");
        });
        assertThat(runOf(job2).get("reason").asText()).contains("Windows agent has no inventory command");
    }

    @Test
    void jobsALegacyAgentCannotRunFailForItsNodeWithTheReason() throws Exception {
        String id = linuxNode("batch-02");
        HttpResponse<String> ansible = server.post("/api/v1/jobs", "{\"kind\": \"ansible\", \"playbook\": "
                + "\"- hosts: all\\n  tasks: []\\n\", \"targets\": {\"nodeIds\": [\"" + id + "\"]}}");
        assertThat(ansible.statusCode()).as(ansible.body()).isEqualTo(201);
        String job = JSON.readTree(ansible.body()).get("id").asText();
        await(() -> ok(server.get("/api/v1/jobs/" + job)).get("status").asText().equals("failed"));
        assertThat(runOf(job).get("reason").asText()).contains("legacy").contains("shell and inventory jobs only")
                .contains("ansible");

        String job2 = createJob("{\"kind\": \"shell\", \"shell\": \"powershell\", "
                + "\"script\": \"Get-Date\", \"targets\": {\"nodeIds\": [\"" + id + "\"]}}");
        await(() -> {
            ok(agent("GET", "/api/v1/jobs/pending/batch-02", key, null)); // the poll is where it is refused
            return ok(server.get("/api/v1/jobs/" + job2)).get("status").asText().equals("failed");
        });
        assertThat(runOf(job2).get("reason").asText()).contains("bash only");
    }

    @Test
    void aRunTheLegacyAgentNeverFinishesEndsTimedOutAndALateResultStillCounts() throws Exception {
        String id = linuxNode("hang-05");
        String job = createJob("{\"kind\": \"shell\", \"script\": \"sleep 1d\", "
                + "\"timeoutSeconds\": 60, \"targets\": {\"nodeIds\": [\"" + id + "\"]}}");
        String[] instance = new String[1];
        await(() -> {
            JsonNode pending = ok(agent("GET", "/api/v1/jobs/pending/hang-05", key, null));
            if (pending.get("count").asInt() == 0) {
                return false;
            }
            instance[0] = pending.get("jobs").get(0).get("instanceId").asText();
            return true;
        });
        ok(agent("POST", "/api/v1/jobs/instances/" + instance[0] + "/start", key, null));
        // the script hangs for longer than timeout + grace, while live data keeps the node online
        server.bean(org.jooq.DSLContext.class).execute("UPDATE job_runs SET started_at = now() - interval '1 hour' "
                + "WHERE id = ?::uuid", instance[0]);
        await(() -> runOf(job).get("status").asText().equals("timed_out"));
        assertThat(runOf(job).get("reason").asText()).contains("legacy agent sent no result");
        ok(agent("POST", "/api/v1/jobs/instances/" + instance[0] + "/result", key,
                "{\"status\": \"failed\", \"exitCode\": 137, \"stdout\": \"\", \"stderr\": \"Killed\\n\"}"));
        await(() -> runOf(job).get("status").asText().equals("failed"));
        assertThat(runOf(job).get("exitCode").asInt()).isEqualTo(137);
    }

    @Test
    void aMissingWrongRevokedOrDefaultKeyIsRefusedAndChangesNothing() throws Exception {
        int before = nodeCount();
        String report = linuxReport("intruder-1");
        for (String bad : new String[]{null, "", "octofleet-inventory-dev-key", "openclaw-inventory-dev-key",
                "ofl_legacy_notAKeyThatExists", key + "x"}) {
            HttpResponse<String> r = agent("POST", "/api/v1/inventory/full", bad, report);
            assertThat(r.statusCode()).as("key %s: %s", bad, r.body()).isEqualTo(401);
            assertThat(r.body()).contains("X-API-Key");
            assertThat(agent("GET", "/api/v1/jobs/pending/intruder-1", bad, null).statusCode()).isEqualTo(401);
            assertThat(agent("GET", "/api/v1/agent/version", bad, null).statusCode()).isEqualTo(401);
        }
        // a bearer token is not a legacy key either
        HttpResponse<String> withBearer = server.send(server.request("/api/v1/inventory/full")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(report)));
        assertThat(withBearer.statusCode()).isEqualTo(401);

        HttpResponse<String> second = server.post("/api/v1/legacy-keys", "{\"name\": \"to be revoked\"}");
        JsonNode created = JSON.readTree(second.body());
        String secondKey = created.get("key").asText();
        ok(agent("GET", "/api/v1/agent/version", secondKey, null));
        assertThat(server.delete("/api/v1/legacy-keys/" + created.get("id").asText()).statusCode()).isEqualTo(204);
        assertThat(agent("POST", "/api/v1/inventory/full", secondKey, report).statusCode()).isEqualTo(401);
        assertThat(nodeCount()).isEqualTo(before);

        // listed without the key; creation and revocation audited without it
        JsonNode list = ok(server.get("/api/v1/legacy-keys"));
        assertThat(list.toString()).contains("to be revoked").contains("revokedAt").doesNotContain(secondKey)
                .doesNotContain(key);
        String audit = server.get("/api/v1/audit?action=" + URLEncoder.encode("POST /api/v1/legacy-keys",
                StandardCharsets.UTF_8)).body() + server.get("/api/v1/audit?size=200").body();
        assertThat(audit).contains("/api/v1/legacy-keys").doesNotContain(secondKey).doesNotContain(key)
                .doesNotContain("/api/v1/inventory/full"); // agent traffic is not operator audit
        assertThat(server.post("/api/v1/legacy-keys", "{}").statusCode()).isEqualTo(400);
    }

    @Test
    void malformedWrongTypedAndOversizedBodiesAre4xxAndStoreNothing() {
        int before = nodeCount();
        String good = linuxReport("broken-1");
        Map<String, String> bad = Map.of(
                "{\"nodeId\": \"broken-1\", \"hardware\": ", "not valid JSON",
                "[1, 2, 3]", "JSON object",
                good.replace("\"cores\": 8", "\"cores\": \"eight\""), "hardware.cpu.cores must be a number",
                good.replace("\"software\": [", "\"software\": {\"oops\": [").replace("]\n    },\n    \"system\"",
                        "]}\n    },\n    \"system\""), "software.software must be an array",
                good.replace("\"hardware\": {", "\"hardware\": \"lots\", \"x\": {"), "hardware must be an object",
                good.replace("\"nodeId\": \"broken-1\"", "\"nodeId\": \"../../etc/passwd\""), "nodeId must be",
                good.replace("\"collectedAt\": \"2026-12-06T08:30:00+01:00\"", "\"collectedAt\": \"yesterday\""),
                "collectedAt must be an ISO-8601 time",
                "", "body is empty");
        bad.forEach((body, message) -> {
            HttpResponse<String> r = agent("POST", "/api/v1/inventory/full", key, body);
            assertThat(r.statusCode()).as(message + ": " + r.body()).isEqualTo(400);
            assertThat(r.body()).contains(message);
        });
        // a NUL read from a registry value: PostgreSQL text cannot hold it, so it is dropped, not a 500
        String withNul = linuxReport("nul-1")
                .replace("\"name\": \"tzdata\"", "\"name\": \"tz\\u0000data\"");
        String nulNode = ok(agent("POST", "/api/v1/inventory/full", key, withNul)).get("node").asText();
        assertThat(server.get("/api/v1/nodes/" + nulNode + "/packages").body()).contains("\"tzdata\"");
        before++;
        HttpResponse<String> result = agent("POST", "/api/v1/jobs/instances/not-a-uuid/result", key,
                "{\"status\": \"success\"}");
        assertThat(result.statusCode()).isEqualTo(400);
        assertThat(agent("POST", "/api/v1/jobs/instances/" + java.util.UUID.randomUUID() + "/result", key,
                "{\"status\": \"success\"}").statusCode()).isEqualTo(404);

        // 17 MiB: past the server's request limit, refused before it is parsed
        String huge = "{\"nodeId\": \"broken-1\", \"pad\": \"" + "x".repeat(17 * 1024 * 1024) + "\"}";
        HttpResponse<String> oversized = agent("POST", "/api/v1/inventory/full", key, huge);
        assertThat(oversized.statusCode()).isEqualTo(413);
        assertThat(nodeCount()).isEqualTo(before);
        // still answering
        ok(agent("GET", "/api/v1/agent/version", key, null));
    }

    @Test
    void theVersionCheckNeverStartsASelfUpdate() {
        JsonNode version = ok(agent("GET", "/api/v1/agent/version", key, null));
        assertThat(version.get("version").asText()).isEqualTo("0.0.0");
        assertThat(version.get("latest").asText()).isEqualTo("0.0.0");
        assertThat(version.get("downloadUrl").asText()).isEmpty();
    }

    static JsonNode runOf(String job) {
        return ok(server.get("/api/v1/jobs/" + job)).get("runs").get(0);
    }

    static void await(BooleanSupplier condition) {
        TestServer.eventually(condition);
    }
}
