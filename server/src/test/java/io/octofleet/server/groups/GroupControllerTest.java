package io.octofleet.server.groups;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.octofleet.server.TestServer;
import io.octofleet.server.inventory.Inventory;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.inventory.SampleInventory;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Groups over HTTP against the real server and embedded PostgreSQL. */
class GroupControllerTest {
    static TestServer server;
    static JsonMapper json;
    static NodeService nodes;
    static InventoryService inventory;
    static NodeId linux1;
    static NodeId linux2;
    static NodeId windows;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("octofleet.grpc.heartbeat-interval", "1h"));
        json = server.bean(JsonMapper.class);
        nodes = server.bean(NodeService.class);
        inventory = server.bean(InventoryService.class);
        linux1 = server.createNode("grp-linux-1");
        linux2 = server.createNode("grp-linux-2");
        windows = server.createNode("grp-windows");
        inventory.store(linux1, SampleInventory.linuxHost(), "sha-l1", Instant.now());
        inventory.store(linux2, SampleInventory.withGpus(SampleInventory.linuxHost(), List.of()), "sha-l2", Instant.now());
        inventory.store(windows, windowsHost(), "sha-w", Instant.now());
    }

    @AfterAll
    static void stop() {
        server.close();
    }


    private static Inventory windowsHost() {
        Inventory in = SampleInventory.linuxHost();
        return new Inventory(new Inventory.OperatingSystem("windows", "Windows Server 2022", "10.0", "10.0", "amd64"),
                in.cpu(), in.memory(), in.disks(), in.filesystems(), in.nics(), in.system(), List.of(), List.of(), null);
    }

    private static HttpResponse<String> put(String path, String body) {
        return server.send(server.request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(HttpResponse<String> response) {
        try {
            return (Map<String, Object>) json.readValue(response.body(), Argument.OBJECT_ARGUMENT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates a group and returns its id. */
    private static String created(String body) {
        HttpResponse<String> response = server.post("/api/v1/groups", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return (String) body(response).get("id");
    }

    @SuppressWarnings("unchecked")
    private static List<String> memberHostnames(String groupId) {
        HttpResponse<String> response = server.get("/api/v1/groups/" + groupId + "/nodes");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return ((List<Map<String, Object>>) body(response).get("items")).stream()
                .map(n -> (String) n.get("hostname")).toList();
    }

    private static void assertProblem(HttpResponse<String> response, int status, String type, String detail) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(body(response)).containsEntry("type", "https://octofleet.io/problems/" + type)
                .hasEntrySatisfying("detail", d -> assertThat((String) d).contains(detail));
    }

    @Test
    void staticGroupIsCreatedReadListedAndListsItsMembers() {
        HttpResponse<String> response = server.post("/api/v1/groups",
                "{\"name\": \"web servers\", \"kind\": \"static\", \"nodeIds\": [\"" + linux1 + "\", \"" + windows + "\"]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        Map<String, Object> group = body(response);
        String id = (String) group.get("id");
        assertThat(response.headers().firstValue("Location")).contains("/api/v1/groups/" + id);
        assertThat(group).containsEntry("name", "web servers").containsEntry("kind", "static")
                .containsKey("createdAt");
        assertThat(group.get("nodeIds")).asList().containsExactlyInAnyOrder(linux1.toString(), windows.toString());
        assertThat(body(server.get("/api/v1/groups/" + id))).isEqualTo(group);
        assertThat(body(server.get("/api/v1/groups")).get("items")).asList().contains(group);
        assertThat(memberHostnames(id)).containsExactly("grp-linux-1", "grp-windows");
    }

    @Test
    void dynamicGroupSelectsByItsRuleAndFollowsInventoryChanges() {
        NodeId later = server.createNode("grp-dyn-later");
        String id = created("{\"name\": \"linux gpu\", \"kind\": \"dynamic\", "
                + "\"rule\": \"os.family = \\\"linux\\\" and gpu.count >= 1\"}");

        assertThat(body(server.get("/api/v1/groups/" + id))).containsEntry("kind", "dynamic")
                .containsEntry("rule", "os.family = \"linux\" and gpu.count >= 1");
        assertThat(memberHostnames(id)).containsExactly("grp-linux-1");

        inventory.store(later, SampleInventory.linuxHost(), "sha-later-1", Instant.now());
        assertThat(memberHostnames(id)).containsExactly("grp-dyn-later", "grp-linux-1");

        inventory.store(later, SampleInventory.withGpus(SampleInventory.linuxHost(), List.of()), "sha-later-2",
                Instant.now());
        assertThat(memberHostnames(id)).containsExactly("grp-linux-1");
    }

    @Test
    void groupNodesArePagedAndFilteredLikeTheFleetList() {
        String id = created("{\"name\": \"all three\", \"kind\": \"static\", \"nodeIds\": [\"" + linux1 + "\", \""
                + linux2 + "\", \"" + windows + "\"]}");

        Map<String, Object> page = body(server.get("/api/v1/groups/" + id + "/nodes?size=2&sort=-hostname"));
        assertThat(page).containsEntry("total", 3);
        assertThat(page.get("items")).asList().hasSize(2);
        Map<String, Object> filtered = body(server.get("/api/v1/groups/" + id + "/nodes?query="
                + java.net.URLEncoder.encode("os.family = \"windows\"", java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(filtered).containsEntry("total", 1);
    }

    @Test
    void putReplacesTheGroupIncludingItsKind() {
        String id = created("{\"name\": \"to change\", \"kind\": \"static\", \"nodeIds\": [\"" + linux1 + "\"]}");

        HttpResponse<String> renamed = put("/api/v1/groups/" + id,
                "{\"name\": \"changed\", \"kind\": \"static\", \"nodeIds\": [\"" + linux2 + "\"]}");
        assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
        assertThat(body(renamed)).containsEntry("name", "changed").containsEntry("nodeIds", List.of(linux2.toString()));
        assertThat(memberHostnames(id)).containsExactly("grp-linux-2");

        HttpResponse<String> dynamic = put("/api/v1/groups/" + id,
                "{\"name\": \"changed\", \"kind\": \"dynamic\", \"rule\": \"os.family = \\\"windows\\\"\"}");
        assertThat(dynamic.statusCode()).as(dynamic.body()).isEqualTo(200);
        assertThat(body(dynamic)).containsEntry("kind", "dynamic").containsEntry("nodeIds", null);
        assertThat(memberHostnames(id)).containsExactly("grp-windows");
    }

    @Test
    void deleteAnswers204AndTheGroupIsGoneButItsNodesStay() {
        String id = created("{\"name\": \"short-lived\", \"kind\": \"static\", \"nodeIds\": [\"" + linux1 + "\"]}");

        assertThat(server.delete("/api/v1/groups/" + id).statusCode()).isEqualTo(204);
        assertProblem(server.get("/api/v1/groups/" + id), 404, "not-found", "group " + id + " not found");
        assertProblem(server.delete("/api/v1/groups/" + id), 404, "not-found", "group " + id);
        assertThat(nodes.exists(linux1)).isTrue();
    }

    @Test
    void deletedNodeLeavesTheStaticGroup() {
        NodeId doomed = server.createNode("grp-doomed");
        String id = created("{\"name\": \"with doomed\", \"kind\": \"static\", \"nodeIds\": [\"" + doomed + "\"]}");

        nodes.delete(doomed);

        assertThat(body(server.get("/api/v1/groups/" + id))).containsEntry("nodeIds", List.of());
        assertThat(memberHostnames(id)).isEmpty();
    }

    @Test
    void duplicateNameIsA409ForCreateAndRename() {
        created("{\"name\": \"unique name\", \"kind\": \"static\", \"nodeIds\": []}");
        String other = created("{\"name\": \"other name\", \"kind\": \"static\", \"nodeIds\": []}");

        assertProblem(server.post("/api/v1/groups", "{\"name\": \"unique name\", \"kind\": \"dynamic\", "
                + "\"rule\": \"tag = \\\"x\\\"\"}"), 409, "conflict", "a group named 'unique name' already exists");
        assertProblem(put("/api/v1/groups/" + other, "{\"name\": \"unique name\", \"kind\": \"static\", "
                + "\"nodeIds\": []}"), 409, "conflict", "unique name");
        assertThat(body(server.get("/api/v1/groups/" + other))).containsEntry("name", "other name");
    }

    @Test
    void invalidGroupsAre400ProblemsAndChangeNothing() {
        int before = ((List<?>) body(server.get("/api/v1/groups")).get("items")).size();
        NodeId stranger = NodeId.random();

        assertProblem(server.post("/api/v1/groups", "{\"kind\": \"static\", \"nodeIds\": []}"), 400,
                "invalid-request", "name must be 1-100 characters");
        assertProblem(server.post("/api/v1/groups", "{\"name\": \"" + "n".repeat(101) + "\", \"kind\": \"static\", "
                + "\"nodeIds\": []}"), 400, "invalid-request", "name must be 1-100 characters");
        assertProblem(server.post("/api/v1/groups", "{\"name\": \"x\", \"kind\": \"smart\"}"), 400,
                "invalid-request", "kind must be one of static, dynamic; got 'smart'");
        assertProblem(server.post("/api/v1/groups", "{\"name\": \"x\", \"kind\": \"static\"}"), 400,
                "invalid-request", "nodeIds is required for a static group");
        assertProblem(server.post("/api/v1/groups", "{\"name\": \"x\", \"kind\": \"static\", \"nodeIds\": [], "
                + "\"rule\": \"tag = \\\"a\\\"\"}"), 400, "invalid-request", "a static group has no rule");
        assertProblem(server.post("/api/v1/groups", "{\"name\": \"x\", \"kind\": \"static\", \"nodeIds\": [\""
                + linux1 + "\", \"" + stranger + "\"]}"), 400, "invalid-request", "nodeIds: no node " + stranger);
        assertProblem(server.post("/api/v1/groups", "{\"name\": \"x\", \"kind\": \"static\", \"nodeIds\": [\"abc\"]}"),
                400, "invalid-request", "nodeIds must hold node ids (UUIDs), got 'abc'");
        assertProblem(server.post("/api/v1/groups", "{\"name\": \"x\", \"kind\": \"dynamic\"}"), 400,
                "invalid-request", "rule is required for a dynamic group");
        assertProblem(server.post("/api/v1/groups", "{\"name\": \"x\", \"kind\": \"dynamic\", \"nodeIds\": [], "
                + "\"rule\": \"tag = \\\"a\\\"\"}"), 400, "invalid-request", "a dynamic group has no nodeIds");
        assertProblem(server.post("/api/v1/groups", "{\"name\": \"x\", \"kind\": \"dynamic\", "
                + "\"rule\": \"os.family = \"}"), 400, "invalid-request",
                "rule at 12: expected a value after '=', got the end of the rule");
        assertProblem(server.post("/api/v1/groups", "{\"name\": \"x\", \"kind\": \"dynamic\", "
                + "\"rule\": \"cpu.cores ~ \\\"x\\\"\"}"), 400, "invalid-request", "rule at 10: '~' does not apply");
        assertProblem(server.post("/api/v1/groups", "not json"), 400, "invalid-request", "");

        assertThat((List<?>) body(server.get("/api/v1/groups")).get("items")).hasSize(before);
    }

    @Test
    void invalidReplacementChangesNothing() {
        String id = created("{\"name\": \"stable\", \"kind\": \"static\", \"nodeIds\": [\"" + linux1 + "\"]}");
        Map<String, Object> before = body(server.get("/api/v1/groups/" + id));

        assertProblem(put("/api/v1/groups/" + id, "{\"name\": \"stable\", \"kind\": \"static\", \"nodeIds\": [\""
                + NodeId.random() + "\"]}"), 400, "invalid-request", "nodeIds: no node");
        assertProblem(put("/api/v1/groups/" + id, "{\"name\": \"stable\", \"kind\": \"dynamic\", \"rule\": \"(\"}"),
                400, "invalid-request", "rule at 1:");

        assertThat(body(server.get("/api/v1/groups/" + id))).isEqualTo(before);
    }

    @Test
    void unknownAndMalformedGroupIdsAre404And400() {
        UUID stranger = UUID.randomUUID();
        String valid = "{\"name\": \"nobody\", \"kind\": \"static\", \"nodeIds\": []}";

        assertProblem(server.get("/api/v1/groups/" + stranger), 404, "not-found", "group " + stranger + " not found");
        assertProblem(server.get("/api/v1/groups/" + stranger + "/nodes"), 404, "not-found", "group " + stranger);
        assertProblem(put("/api/v1/groups/" + stranger, valid), 404, "not-found", "group " + stranger);
        assertProblem(server.get("/api/v1/groups/not-a-uuid"), 400, "invalid-request",
                "group id must be a UUID, got 'not-a-uuid'");
        assertThat(body(server.get("/api/v1/groups")).get("items")).asList()
                .noneMatch(g -> "nobody".equals(((Map<?, ?>) g).get("name")));
    }

    @Test
    void groupsNeedAToken() {
        HttpResponse<String> response = server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/groups")).GET());

        assertThat(response.statusCode()).isEqualTo(401);
    }
}
