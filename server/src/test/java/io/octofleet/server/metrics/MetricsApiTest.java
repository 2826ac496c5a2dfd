package io.octofleet.server.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import io.octofleet.server.nodes.NodeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The metrics and reports API over real stored samples: fleet aggregates, keys, and the refusals. */
class MetricsApiTest {
    static TestServer server;
    static NodeId gpuHost;
    static NodeId otherHost;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of());
        gpuHost = server.createNode("gpu-host");
        otherHost = server.createNode("cpu-host");
        Instant at = Instant.now().minusSeconds(120);
        StoredSamples.store(server, gpuHost, 1, at.truncatedTo(ChronoUnit.SECONDS), "gpu.util", "0", 80);
        StoredSamples.store(server, otherHost, 1, at.truncatedTo(ChronoUnit.SECONDS), "gpu.util", "0", 20);
        HttpResponse<String> group = server.post("/api/v1/groups",
                "{\"name\": \"gpu-hosts\", \"kind\": \"static\", \"nodeIds\": [\"" + gpuHost + "\"]}");
        assertThat(group.statusCode()).as(group.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void fleetAggregatesAreTheMeanAndExtremesOfEverySampleOfTheNodesInEachKey() throws Exception {
        Map<String, JsonNode> all = series("/api/v1/metrics/fleet?name=gpu.util&from=-1h&step=1h");
        assertThat(all).containsOnlyKeys("");
        JsonNode point = all.get("").get("points").get(0);
        assertThat(point.get("avg").asDouble()).isEqualTo(50.0);
        assertThat(point.get("min").asDouble()).isEqualTo(20.0);
        assertThat(point.get("max").asDouble()).isEqualTo(80.0);

        assertThat(series("/api/v1/metrics/fleet?name=gpu.util&by=node&from=-1h&step=1h"))
                .containsOnlyKeys("gpu-host (" + gpuHost + ")", "cpu-host (" + otherHost + ")");
        Map<String, JsonNode> byGroup = series("/api/v1/metrics/fleet?name=gpu.util&by=group&from=-1h&step=1h");
        assertThat(byGroup).containsOnlyKeys("default/gpu-hosts");
        assertThat(byGroup.get("default/gpu-hosts").get("points").get(0).get("avg").asDouble()).isEqualTo(80.0);
        assertThat(series("/api/v1/metrics/fleet?name=gpu.util&by=organization&from=-1h&step=1h")).containsOnlyKeys("default");
        assertThat(series("/api/v1/metrics/fleet?name=gpu.util&by=instance&from=-1h&step=1h")).containsOnlyKeys("0");
    }

    @Test
    void aSampleTheRollupsDoNotHoldYetIsStillInACoarseQuery() throws Exception {
        NodeId late = server.createNode("late-host");
        // Minutes old, and the rollups have not run since: a 1-minute or 1-hour step must still find it.
        StoredSamples.store(server, late, 1, Instant.now().minusSeconds(200).truncatedTo(ChronoUnit.SECONDS), "load.1", "", 3.5);
        for (String step : List.of("1m", "1h")) {
            JsonNode series = JSON.readTree(server.get("/api/v1/nodes/" + late + "/metrics?names=load.1&from=-2h&step="
                    + step).body()).get("series");
            assertThat(series).as("step " + step).hasSize(1);
            assertThat(series.get(0).get("points").get(0).get("max").asDouble()).isEqualTo(3.5);
        }
    }

    @Test
    void aNodeListsTheSeriesItHas() throws Exception {
        JsonNode names = JSON.readTree(server.get("/api/v1/nodes/" + gpuHost + "/metrics/names").body());
        assertThat(names.get("items")).hasSize(1);
        assertThat(names.get("items").get(0).get("name").asText()).isEqualTo("gpu.util");
        assertThat(names.get("items").get(0).get("instance").asText()).isEqualTo("0");
    }

    @Test
    void reportsCountTheFleetAndBucketJobRuns() throws Exception {
        JsonNode fleet = JSON.readTree(server.get("/api/v1/reports/fleet").body());
        assertThat(fleet.get("nodes").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(fleet.get("organizations").get(0).get("key").asText()).isEqualTo("default");
        HttpResponse<String> jobs = server.get("/api/v1/reports/jobs?from=-1d&step=1h");
        assertThat(jobs.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(jobs.body()).get("buckets").isArray()).isTrue();
    }

    @Test
    void badQueriesAreRefusedWithAReason() {
        String node = "/api/v1/nodes/" + gpuHost + "/metrics";
        assertRefused(node, "names is required");
        assertRefused(node + "?names=gpu.util&step=soon", "step must be like");
        assertRefused(node + "?names=gpu.util&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from must be before to");
        assertRefused(node + "?names=gpu.util&from=-30d&step=1s", "use a larger step");
        assertRefused(node + "?names=gpu.util&from=yesterday", "from must be an ISO-8601 instant");
        assertRefused("/api/v1/nodes/not-a-uuid/metrics?names=gpu.util", "node id must be a UUID");
        assertRefused("/api/v1/metrics/fleet?name=gpu.util&by=colour", "by must be one of");
        assertRefused("/api/v1/metrics/fleet", "name is required");
        assertThat(server.get("/api/v1/nodes/" + NodeId.random() + "/metrics?names=gpu.util").statusCode()).isEqualTo(404);
    }

    private static void assertRefused(String path, String reason) {
        HttpResponse<String> response = server.get(path);
        assertThat(response.statusCode()).as(path).isEqualTo(400);
        assertThat(response.body()).as(path).contains(reason);
    }

    private static Map<String, JsonNode> series(String path) throws Exception {
        HttpResponse<String> response = server.get(path);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, JsonNode> byKey = new HashMap<>();
        JSON.readTree(response.body()).get("series").forEach(s -> byKey.put(s.get("key").asText(), s));
        return byKey;
    }
}
