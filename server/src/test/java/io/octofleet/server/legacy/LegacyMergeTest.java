package io.octofleet.server.legacy;

import com.fasterxml.jackson.databind.JsonNode;
import io.octofleet.server.TestServer;
import io.octofleet.server.inventory.Inventory;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.nodes.NodeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.octofleet.server.legacy.LegacyAgentApiTest.JSON;
import static io.octofleet.server.legacy.LegacyAgentApiTest.await;
import static io.octofleet.server.legacy.LegacyAgentApiTest.ok;
import static io.octofleet.server.legacy.LegacyAgentApiTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the new agent enrolls on a machine a legacy agent reported for, the operator finds the pair and merges them:
 * history, metrics, job runs, tags and parameters move to the new node, the legacy node goes, and the old agent is
 * told it was replaced.
 */
class LegacyMergeTest {
    static TestServer server;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of());
        key = JSON.readTree(server.post("/api/v1/legacy-keys", "{\"name\": \"merge\"}").body()).get("key").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> agent(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).header("X-API-Key", key);
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return server.anonymous(request);
    }

    @Test
    void aLegacyNodeIsFoundByHostnameAndMergedIntoTheNewAgentsNodeWithItsHistory() throws Exception {
        String legacy = ok(agent("POST", "/api/v1/inventory/full",
                resource("linux-inventory.json").replace("\"web-07\"", "\"Mail-01\""))).get("node").asText();
        ok(agent("POST", "/api/v1/inventory/full", resource("linux-inventory.json")
                .replace("\"web-07\"", "\"Mail-01\"").replace("1.22.1-9+deb12u1", "1.22.1-9+deb12u2")));
        ok(agent("POST", "/api/v1/live-data", "{\"nodeId\": \"Mail-01\", \"timestamp\": \"" + Instant.now()
                + "\", \"metrics\": {\"cpuPercent\": 33.5, \"memoryPercent\": 20, \"diskPercent\": 10}}"));
        assertThat(server.send(server.request("/api/v1/nodes/" + legacy + "/tags")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"tags\": [\"mail\", \"dmz\"]}"))).statusCode()).isEqualTo(200);
        assertThat(server.send(server.request("/api/v1/nodes/" + legacy + "/parameters/relay")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"value\": \"smtp.example.com\"}"))).statusCode())
                .isIn(200, 201);
        String job = JSON.readTree(server.post("/api/v1/jobs", "{\"kind\": \"shell\", \"script\": \"echo legacy\", "
                + "\"targets\": {\"nodeIds\": [\"" + legacy + "\"]}}").body()).get("id").asText();
        String[] instance = new String[1];
        await(() -> {
            JsonNode pending = ok(agent("GET", "/api/v1/jobs/pending/Mail-01", null));
            if (pending.get("count").asInt() == 0) {
                return false;
            }
            instance[0] = pending.get("jobs").get(0).get("instanceId").asText();
            return true;
        });
        ok(agent("POST", "/api/v1/jobs/instances/" + instance[0] + "/result",
                "{\"status\": \"success\", \"exitCode\": 0, \"stdout\": \"legacy\\n\", \"stderr\": \"\"}"));
        await(() -> ok(server.get("/api/v1/jobs/" + job)).get("status").asText().equals("succeeded"));

        // the new agent enrolls on the same machine (its hostname in another case)
        NodeId fresh = server.createNode("mail-01");
        JsonNode candidates = ok(server.get("/api/v1/nodes/merge-candidates"));
        JsonNode pair = null;
        for (JsonNode c : candidates.get("items")) {
            if (c.get("legacy").get("id").asText().equals(legacy)) {
                pair = c;
            }
        }
        assertThat(pair).as(candidates.toString()).isNotNull();
        assertThat(pair.get("octofleet").get("id").asText()).isEqualTo(fresh.toString());
        assertThat(pair.get("matchedBy").asText()).isEqualTo("hostname");

        JsonNode merged = ok(server.post("/api/v1/nodes/" + fresh + "/merge", "{\"legacyNodeId\": \"" + legacy + "\"}"));
        assertThat(merged.get("legacyId").asText()).isEqualTo("Mail-01");
        assertThat(merged.get("jobRuns").asLong()).isEqualTo(1);
        assertThat(merged.get("inventoryChanges").asLong()).isPositive();
        assertThat(merged.get("metricSamples").asLong()).isPositive();
        assertThat(merged.get("node").get("tags").toString()).contains("mail").contains("dmz");
        assertThat(merged.get("node").get("agentKind").asText()).isEqualTo("octofleet");

        assertThat(server.get("/api/v1/nodes/" + legacy).statusCode()).isEqualTo(404);
        assertThat(server.get("/api/v1/nodes/" + fresh + "/inventory/history").body()).contains("1.22.1-9+deb12u2");
        assertThat(server.get("/api/v1/nodes/" + fresh + "/metrics?names=cpu.usage").body()).contains("33.5");
        assertThat(server.get("/api/v1/jobs?node=" + fresh).body()).contains(job);
        assertThat(server.get("/api/v1/jobs/" + job + "/runs/" + fresh + "/output").body()).isEqualTo("legacy\n");
        assertThat(server.get("/api/v1/nodes/" + fresh + "/parameters").body()).contains("smtp.example.com");
        assertThat(server.get("/api/v1/audit?size=50").body()).contains("/api/v1/nodes/{id}/merge");

        // the old agent, still running, is told it was replaced and creates nothing
        HttpResponse<String> stale = agent("POST", "/api/v1/inventory/full",
                resource("linux-inventory.json").replace("\"web-07\"", "\"Mail-01\""));
        assertThat(stale.statusCode()).as(stale.body()).isEqualTo(409);
        assertThat(stale.body()).contains("Octofleet agent");
        assertThat(agent("GET", "/api/v1/jobs/pending/Mail-01", null).statusCode()).isEqualTo(409);
        assertThat(ok(server.get("/api/v1/nodes/merge-candidates")).toString()).doesNotContain(legacy);
    }

    @Test
    void theSerialPairsMachinesWhoseHostnamesDifferAndWrongMergesAreRefused() throws Exception {
        String legacy = ok(agent("POST", "/api/v1/inventory/full", resource("windows-inventory.json")
                .replace("WS-0042", "WS-OLD-NAME"))).get("node").asText();
        NodeId fresh = server.createNode("ws-new-name");
        Inventory inventory = new Inventory(new Inventory.OperatingSystem("windows", "Microsoft Windows 11 Pro",
                "10.0.22631", "22631", "x86_64"), new Inventory.Cpu("AMD Ryzen 7 PRO 5850U", "AuthenticAMD", 1, 8,
                16, 0), new Inventory.Memory(34_000_000_000L), List.of(), List.of(), List.of(),
                new Inventory.SystemInfo("LENOVO", "20YG003FGE", "PF3ABC42", "", "", ""), List.of(), List.of(), null);
        server.bean(InventoryService.class).store(fresh, inventory, "sha-fresh", Instant.now());
        JsonNode candidates = ok(server.get("/api/v1/nodes/merge-candidates"));
        assertThat(candidates.toString()).contains(legacy).contains(fresh.toString()).contains("\"serial\"");

        NodeId other = server.createNode("unrelated");
        assertThat(server.post("/api/v1/nodes/" + legacy + "/merge", "{\"legacyNodeId\": \"" + fresh + "\"}")
                .statusCode()).isEqualTo(400); // the wrong way round
        assertThat(server.post("/api/v1/nodes/" + fresh + "/merge", "{\"legacyNodeId\": \"" + other + "\"}")
                .statusCode()).isEqualTo(400); // not a legacy node
        assertThat(server.post("/api/v1/nodes/" + fresh + "/merge", "{}").statusCode()).isEqualTo(400);
        assertThat(server.post("/api/v1/nodes/" + fresh + "/merge", "{\"legacyNodeId\": \""
                + java.util.UUID.randomUUID() + "\"}").statusCode()).isEqualTo(404);
        assertThat(server.get("/api/v1/nodes/" + legacy).statusCode()).isEqualTo(200); // nothing changed
        ok(server.post("/api/v1/nodes/" + fresh + "/merge", "{\"legacyNodeId\": \"" + legacy + "\"}"));
    }
}
