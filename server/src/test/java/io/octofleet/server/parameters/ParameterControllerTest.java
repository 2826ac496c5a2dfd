package io.octofleet.server.parameters;

import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.octofleet.server.TestServer;
import io.octofleet.server.inventory.Inventory;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.inventory.SampleInventory;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.octofleet.server.db.Tables.PARAMETERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parameters over HTTP, inheritance and secrets, against the real server and embedded PostgreSQL. */
class ParameterControllerTest {
    static TestServer server;
    static JsonMapper json;
    static NodeService nodes;
    static ParameterService parameters;
    static NodeId linux;
    static NodeId windows;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("octofleet.grpc.heartbeat-interval", "1h"));
        json = server.bean(JsonMapper.class);
        nodes = server.bean(NodeService.class);
        parameters = server.bean(ParameterService.class);
        InventoryService inventory = server.bean(InventoryService.class);
        linux = server.createNode("param-linux");
        windows = server.createNode("param-windows");
        inventory.store(linux, SampleInventory.linuxHost(), "sha-l", Instant.now());
        Inventory in = SampleInventory.linuxHost();
        inventory.store(windows, new Inventory(new Inventory.OperatingSystem("windows", "Windows Server 2022", "10.0",
                "10.0", "amd64"), in.cpu(), in.memory(), in.disks(), in.filesystems(), in.nics(), in.system(),
                List.of(), List.of(), null), "sha-w", Instant.now());
    }

    @AfterAll
    static void stop() {
        server.close();
    }


    private static HttpResponse<String> put(String path, String body) {
        return server.send(server.request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static Map<String, Object> ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return body(response);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(HttpResponse<String> response) {
        try {
            return (Map<String, Object>) json.readValue(response.body(), Argument.OBJECT_ARGUMENT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(HttpResponse<String> response) {
        return (List<Map<String, Object>>) ok(response).get("items");
    }

    private static void assertProblem(HttpResponse<String> response, int status, String type, String detail) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(body(response)).containsEntry("type", "https://octofleet.io/problems/" + type)
                .hasEntrySatisfying("detail", d -> assertThat((String) d).contains(detail));
    }

    private static String group(String body) {
        HttpResponse<String> response = server.post("/api/v1/groups", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return (String) body(response).get("id");
    }

    private static Map<String, Object> effective(NodeId node, String key) {
        return items(server.get("/api/v1/nodes/" + node + "/parameters?effective=true")).stream()
                .filter(p -> p.get("key").equals(key)).findFirst().orElse(null);
    }

    @Test
    void resolvingManyNodesAtOnceGivesWhatResolvingEachGives() {
        NodeId inGroup = server.createNode("bulk-a");
        NodeId tagged = server.createNode("bulk-b");
        NodeId plain = server.createNode("bulk-c");
        String staticGroup = group("{\"name\": \"bulk-static\", \"kind\": \"static\", \"nodeIds\": [\"" + inGroup + "\"]}");
        server.bean(io.octofleet.server.nodes.NodeService.class).replaceTags(tagged, List.of("bulk"));
        String dynamicGroup = group("{\"name\": \"bulk-dynamic\", \"kind\": \"dynamic\", \"rule\": \"tag = \\\"bulk\\\"\"}");
        ok(put("/api/v1/parameters/bulk_level", "{\"value\": \"global\"}"));
        ok(put("/api/v1/groups/" + staticGroup + "/parameters/bulk_level", "{\"value\": \"static\"}"));
        ok(put("/api/v1/groups/" + dynamicGroup + "/parameters/bulk_level", "{\"value\": \"dynamic\"}"));
        ok(put("/api/v1/nodes/" + plain + "/parameters/bulk_secret", "{\"value\": \"hush\", \"secret\": true}"));

        ParameterService service = server.bean(ParameterService.class);
        Map<NodeId, Map<String, ResolvedParameter>> bulk = service.effectiveFor(List.of(inGroup, tagged, plain));
        for (NodeId node : List.of(inGroup, tagged, plain)) {
            assertThat(bulk.get(node)).as(node.toString()).isEqualTo(service.effectiveFor(node));
        }
        assertThat(bulk.get(inGroup).get("bulk_level").value()).isEqualTo("static");
        assertThat(bulk.get(tagged).get("bulk_level").value()).isEqualTo("dynamic");
        assertThat(bulk.get(plain).get("bulk_level").value()).isEqualTo("global");
        assertThat(bulk.get(plain).get("bulk_secret").value()).isEqualTo("hush");
    }

    @Test
    void globalParameterIsCreatedReadListedReplacedAndDeleted() {
        Map<String, Object> created = ok(put("/api/v1/parameters/NTP_SERVER", "{\"value\": \"ntp1.example\"}"));

        assertThat(created).containsEntry("key", "NTP_SERVER").containsEntry("value", "ntp1.example")
                .containsEntry("secret", false).containsKey("updatedAt");
        assertThat(ok(server.get("/api/v1/parameters/NTP_SERVER"))).isEqualTo(created);
        assertThat(items(server.get("/api/v1/parameters"))).contains(created);
        assertThat(ok(put("/api/v1/parameters/NTP_SERVER", "{\"value\": \"ntp2.example\", \"secret\": false}")))
                .containsEntry("value", "ntp2.example");
        assertThat(items(server.get("/api/v1/parameters")).stream().filter(p -> p.get("key").equals("NTP_SERVER")))
                .hasSize(1);

        assertThat(server.delete("/api/v1/parameters/NTP_SERVER").statusCode()).isEqualTo(204);
        assertProblem(server.get("/api/v1/parameters/NTP_SERVER"), 404, "not-found", "parameter NTP_SERVER of global");
        assertProblem(server.delete("/api/v1/parameters/NTP_SERVER"), 404, "not-found", "NTP_SERVER");
    }

    @Test
    void groupParameterIsCreatedReadListedAndDeleted() {
        String id = group("{\"name\": \"param crud\", \"kind\": \"static\", \"nodeIds\": []}");
        String base = "/api/v1/groups/" + id + "/parameters";

        Map<String, Object> created = ok(put(base + "/rack", "{\"value\": \"b7\"}"));

        assertThat(created).containsEntry("key", "rack").containsEntry("value", "b7");
        assertThat(ok(server.get(base + "/rack"))).isEqualTo(created);
        assertThat(items(server.get(base))).containsExactly(created);
        assertThat(server.delete(base + "/rack").statusCode()).isEqualTo(204);
        assertThat(items(server.get(base))).isEmpty();
        assertProblem(server.get(base + "/rack"), 404, "not-found", "parameter rack of group " + id);
    }

    @Test
    void nodeParameterIsCreatedReadListedAndDeletedAndGoesWithItsNode() {
        NodeId node = server.createNode("param-crud");
        String base = "/api/v1/nodes/" + node + "/parameters";

        Map<String, Object> created = ok(put(base + "/_ROLE", "{\"value\": \"\"}"));

        assertThat(created).containsEntry("key", "_ROLE").containsEntry("value", "");
        assertThat(ok(server.get(base + "/_ROLE"))).isEqualTo(created);
        assertThat(items(server.get(base))).containsExactly(created);
        assertThat(server.delete(base + "/_ROLE").statusCode()).isEqualTo(204);
        assertThat(items(server.get(base))).isEmpty();

        ok(put(base + "/GONE", "{\"value\": \"x\"}"));
        nodes.delete(node);
        assertProblem(server.get(base), 404, "not-found", "node " + node);
        DSLContext dsl = server.bean(DSLContext.class);
        assertThat(dsl.fetchCount(PARAMETERS, PARAMETERS.NODE_ID.eq(node.value()))).isZero();
    }

    @Test
    void invalidKeysAndValuesAre400AndChangeNothing() {
        String base = "/api/v1/nodes/" + linux + "/parameters/";
        assertProblem(put(base + "1ABC", "{\"value\": \"x\"}"), 400, "invalid-request", "key must be 1-128 characters");
        assertProblem(put(base + "A-B", "{\"value\": \"x\"}"), 400, "invalid-request", "A-B");
        assertProblem(put(base + "K".repeat(129), "{\"value\": \"x\"}"), 400, "invalid-request", "1-128");
        assertProblem(put(base + "NO_VALUE", "{\"secret\": true}"), 400, "invalid-request", "value is required");
        assertProblem(put(base + "BIG", "{\"value\": \"" + "x".repeat(64 * 1024 + 1) + "\"}"), 400,
                "invalid-request", "at most 65536");
        assertProblem(put(base + "NUL", "{\"value\": \"a\\u0000b\"}"), 400, "invalid-request", "NUL");
        assertProblem(server.get(base + "a.b"), 400, "invalid-request", "key must be");
        assertProblem(server.get("/api/v1/nodes/" + linux + "/parameters?effective=yes"), 400, "invalid-request",
                "effective must be true or false");
        assertProblem(server.get("/api/v1/nodes/not-a-uuid/parameters"), 400, "invalid-request", "node id must be a UUID");
        assertProblem(server.get("/api/v1/groups/not-a-uuid/parameters"), 400, "invalid-request", "group id must be a UUID");

        assertThat(ok(put(base + "K".repeat(128), "{\"value\": \"" + "x".repeat(64 * 1024) + "\"}")))
                .containsEntry("key", "K".repeat(128));
        assertThat(items(server.get("/api/v1/nodes/" + linux + "/parameters")).stream().map(p -> p.get("key")))
                .doesNotContain("1ABC", "NO_VALUE", "BIG", "NUL");
        assertThat(server.delete(base + "K".repeat(128)).statusCode()).isEqualTo(204);
    }

    @Test
    void unknownGroupOrNodeIs404() {
        String group = "/api/v1/groups/" + UUID.randomUUID() + "/parameters";
        String node = "/api/v1/nodes/" + UUID.randomUUID() + "/parameters";
        for (String base : List.of(group, node)) {
            assertProblem(put(base + "/K", "{\"value\": \"x\"}"), 404, "not-found", "not found");
            assertProblem(server.get(base), 404, "not-found", "not found");
            assertProblem(server.get(base + "/K"), 404, "not-found", "not found");
            assertProblem(server.delete(base + "/K"), 404, "not-found", "not found");
        }
        assertProblem(server.get(node + "?effective=true"), 404, "not-found", "not found");
        assertThat(server.get(group + "/K").body()).doesNotContain("parameter K");
    }

    @Test
    void nodeOverridesGroupOverridesGlobalAndDynamicGroupsContributeWhenTheirRuleMatches() {
        String windowsGroup = group("{\"name\": \"param windows\", \"kind\": \"dynamic\", \"rule\": \"os.family = \\\"windows\\\"\"}");
        String both = group("{\"name\": \"param both\", \"kind\": \"static\", \"nodeIds\": [\"" + linux + "\", \""
                + windows + "\"]}");
        ok(put("/api/v1/parameters/INHERIT_A", "{\"value\": \"global\"}"));
        ok(put("/api/v1/parameters/INHERIT_B", "{\"value\": \"global\"}"));
        ok(put("/api/v1/parameters/INHERIT_C", "{\"value\": \"global\"}"));
        ok(put("/api/v1/groups/" + both + "/parameters/INHERIT_B", "{\"value\": \"static group\"}"));
        ok(put("/api/v1/groups/" + both + "/parameters/INHERIT_C", "{\"value\": \"static group\"}"));
        ok(put("/api/v1/groups/" + windowsGroup + "/parameters/INHERIT_D", "{\"value\": \"windows group\"}"));
        ok(put("/api/v1/nodes/" + linux + "/parameters/INHERIT_C", "{\"value\": \"node\"}"));

        assertThat(effective(linux, "INHERIT_A")).containsEntry("value", "global").containsEntry("source", "global");
        assertThat(effective(linux, "INHERIT_B")).containsEntry("value", "static group")
                .containsEntry("source", "group:" + both);
        assertThat(effective(linux, "INHERIT_C")).containsEntry("value", "node").containsEntry("source", "node");
        assertThat(effective(linux, "INHERIT_D")).isNull();
        assertThat(effective(windows, "INHERIT_C")).containsEntry("value", "static group");
        assertThat(effective(windows, "INHERIT_D")).containsEntry("value", "windows group")
                .containsEntry("source", "group:" + windowsGroup);
        assertThat(parameters.effectiveFor(windows)).containsEntry("INHERIT_D",
                new ResolvedParameter("windows group", false, "group:" + windowsGroup));
        // The node's own list is not the inherited one.
        assertThat(items(server.get("/api/v1/nodes/" + linux + "/parameters")).stream().map(p -> p.get("key")))
                .contains("INHERIT_C").doesNotContain("INHERIT_A", "INHERIT_B");
    }

    @Test
    void amongSeveralGroupsTheOneWhoseNameSortsFirstWins() {
        NodeId node = server.createNode("param-precedence");
        String members = "\"nodeIds\": [\"" + node + "\"]";
        String zebra = group("{\"name\": \"param Zebra\", \"kind\": \"static\", " + members + "}");
        String alpha = group("{\"name\": \"param alpha\", \"kind\": \"static\", " + members + "}");
        ok(put("/api/v1/groups/" + zebra + "/parameters/PRECEDENCE", "{\"value\": \"zebra\"}"));
        ok(put("/api/v1/groups/" + alpha + "/parameters/PRECEDENCE", "{\"value\": \"alpha\"}"));

        assertThat(effective(node, "PRECEDENCE")).containsEntry("value", "alpha").containsEntry("source", "group:" + alpha);

        server.delete("/api/v1/groups/" + alpha);
        assertThat(effective(node, "PRECEDENCE")).containsEntry("value", "zebra");
    }

    @Test
    void secretIsStoredEncryptedNeverReturnedAndDecryptsOnlyThroughEffectiveFor() {
        NodeId node = server.createNode("param-secret");
        String path = "/api/v1/nodes/" + node + "/parameters/DB_PASSWORD";

        HttpResponse<String> response = put(path, "{\"value\": \"correct horse battery\", \"secret\": true}");

        assertThat(ok(response)).containsEntry("secret", true).containsEntry("value", null);
        for (HttpResponse<String> read : List.of(response, server.get(path),
                server.get("/api/v1/nodes/" + node + "/parameters"),
                server.get("/api/v1/nodes/" + node + "/parameters?effective=true"))) {
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.body()).doesNotContain("correct horse");
        }
        assertThat(effective(node, "DB_PASSWORD")).containsEntry("secret", true).containsEntry("value", null)
                .containsEntry("source", "node");

        var row = server.bean(DSLContext.class).selectFrom(PARAMETERS)
                .where(PARAMETERS.NODE_ID.eq(node.value()).and(PARAMETERS.KEY.eq("DB_PASSWORD"))).fetchSingle();
        assertThat(row.getValue()).isNull();
        assertThat(row.getKeyId()).isEqualTo(server.bean(SecretCipher.class).keyId());
        assertThat(new String(row.getCiphertext(), StandardCharsets.ISO_8859_1)).doesNotContain("correct horse");
        assertThat(row.getCiphertext().length).isGreaterThan("correct horse battery".length());

        assertThat(parameters.effectiveFor(node)).containsEntry("DB_PASSWORD",
                new ResolvedParameter("correct horse battery", true, "node"));
        assertThat(parameters.effectiveFor(node).get("DB_PASSWORD").toString()).doesNotContain("correct horse");

        // Turning it into a plain parameter stores the value in clear and drops the ciphertext.
        assertThat(ok(put(path, "{\"value\": \"public\"}"))).containsEntry("value", "public").containsEntry("secret", false);
        var plain = server.bean(DSLContext.class).selectFrom(PARAMETERS)
                .where(PARAMETERS.NODE_ID.eq(node.value()).and(PARAMETERS.KEY.eq("DB_PASSWORD"))).fetchSingle();
        assertThat(plain.getCiphertext()).isNull();
        assertThat(plain.getKeyId()).isNull();
    }

    @Test
    void withoutConfiguredKeyTheServerGeneratesAPrivateKeyFile() throws IOException {
        Path file = server.home().resolve(SecretCipher.KEY_FILE);

        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Base64.getDecoder().decode(Files.readString(file).trim())).hasSize(32);
    }

    @Test
    void serverRefusesToStartWithAShortSecretKey(@TempDir Path home) {
        Map<String, Object> properties = Map.of("octofleet.home", home.toString(), "micronaut.server.port", -1,
                "octofleet.grpc.port", 0, "octofleet.admin-password", TestServer.ADMIN_PASSWORD,
                "octofleet.secret-key", Base64.getEncoder().encodeToString(new byte[31]));
        ApplicationContext context = ApplicationContext.builder().properties(properties).build();
        try {
            assertThatThrownBy(context::start).satisfies(e -> assertThat(rootMessage(e))
                    .contains("OCTOFLEET_SECRET_KEY must be base64 of 32 random bytes").contains("31 bytes"));
            // Refused before anything else starts: no embedded database was created (nor left running).
            assertThat(home.resolve("postgres")).doesNotExist();
        } finally {
            context.close();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
