package io.octofleet.server.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import io.octofleet.server.nodes.NodeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job form's helpers: a dry run of a job's targets (what the dashboard previews) and a node's jobs; also the tag
 * filter and tag list of the node API they lean on. Against the real server and database; no agent needed (runs
 * stay queued).
 */
class JobTargetsAndNodeJobsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static NodeId alpha;
    static NodeId bravo;
    static NodeId charlie;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
        alpha = server.createNode("tgt-alpha");
        bravo = server.createNode("tgt-bravo");
        charlie = server.createNode("tgt-charlie");
        tag(alpha, "lab", "gpu");
        tag(bravo, "lab");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static void tag(NodeId node, String... tags) {
        HttpResponse<String> r = server.send(server.request("/api/v1/nodes/" + node + "/tags")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"tags\": " + json(List.of(tags)) + "}")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static JsonNode ok(HttpResponse<String> r) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static List<String> hostnames(JsonNode page) {
        List<String> names = new ArrayList<>();
        page.get("items").forEach(n -> names.add(n.get("hostname").asText()));
        return names;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void aDryRunListsTheUnionOfTheTargetsByHostnameAndChangesNothing() throws Exception {
        long jobsBefore = ok(server.get("/api/v1/jobs")).get("total").asLong();
        JsonNode preview = ok(server.get("/api/v1/jobs/targets?nodeIds=" + charlie + "&tags=gpu&query="
                + enc("hostname = \"tgt-bravo\"")));
        assertThat(preview.get("total").asLong()).isEqualTo(3);
        assertThat(hostnames(preview)).containsExactly("tgt-alpha", "tgt-bravo", "tgt-charlie");

        JsonNode first = ok(server.get("/api/v1/jobs/targets?tags=lab&limit=1"));
        assertThat(first.get("total").asLong()).isEqualTo(2);
        assertThat(hostnames(first)).containsExactly("tgt-alpha");

        assertThat(ok(server.get("/api/v1/jobs/targets")).get("total").asLong()).as("no targets, no complaint")
                .isZero();
        assertThat(ok(server.get("/api/v1/jobs/targets?tags=nobody-has-this")).get("items")).isEmpty();
        assertThat(ok(server.get("/api/v1/jobs")).get("total").asLong()).isEqualTo(jobsBefore);
    }

    @Test
    void aDryRunRefusesWhatStartingTheJobWouldRefuse() throws Exception {
        HttpResponse<String> badRule = server.get("/api/v1/jobs/targets?query=" + enc("gpu.count >="));
        assertThat(badRule.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badRule.body()).get("detail").asText()).startsWith("rule at 12:");
        assertThat(server.get("/api/v1/jobs/targets?groupIds=" + java.util.UUID.randomUUID()).statusCode())
                .isEqualTo(404);
        assertThat(server.get("/api/v1/jobs/targets?nodeIds=not-a-uuid").statusCode()).isEqualTo(400);
        assertThat(server.get("/api/v1/jobs/targets?tags=lab&limit=0").statusCode()).isEqualTo(400);
    }

    @Test
    void aNodesJobsAreTheJobsWithARunOnIt() throws Exception {
        String onAlpha = JSON.readTree(server.post("/api/v1/jobs", "{\"kind\":\"shell\",\"script\":\"true\","
                + "\"targets\":{\"nodeIds\":[\"" + alpha + "\"]}}").body()).get("id").asText();
        String onBoth = JSON.readTree(server.post("/api/v1/jobs", "{\"kind\":\"shell\",\"script\":\"true\","
                + "\"targets\":{\"tags\":[\"lab\"]}}").body()).get("id").asText();
        List<String> alphaJobs = new ArrayList<>();
        ok(server.get("/api/v1/jobs?node=" + alpha)).get("items").forEach(j -> alphaJobs.add(j.get("id").asText()));
        assertThat(alphaJobs).contains(onAlpha, onBoth);
        List<String> bravoJobs = new ArrayList<>();
        ok(server.get("/api/v1/jobs?node=" + bravo)).get("items").forEach(j -> bravoJobs.add(j.get("id").asText()));
        assertThat(bravoJobs).contains(onBoth).doesNotContain(onAlpha);
        assertThat(ok(server.get("/api/v1/jobs?node=" + charlie)).get("total").asLong()).isZero();
        assertThat(server.get("/api/v1/jobs?node=nope").statusCode()).isEqualTo(400);
    }

    @Test
    void nodesFilterByOneTagAndTheTagListCountsTheirNodes() throws Exception {
        assertThat(hostnames(ok(server.get("/api/v1/nodes?q=tgt-&tag=lab")))).containsExactly("tgt-alpha", "tgt-bravo");
        assertThat(hostnames(ok(server.get("/api/v1/nodes?q=tgt-&tag=GPU")))).containsExactly("tgt-alpha");
        assertThat(ok(server.get("/api/v1/nodes?tag=none-such")).get("total").asLong()).isZero();
        JsonNode tags = ok(server.get("/api/v1/tags")).get("items");
        assertThat(tags.toString()).contains("{\"tag\":\"gpu\",\"nodes\":1}").contains("{\"tag\":\"lab\",\"nodes\":2}");
        assertThat(tags.get(0).get("tag").asText()).isEqualTo("gpu");
    }
}
