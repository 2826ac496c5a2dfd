package io.octofleet.server.nodes;

import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.octofleet.server.TestServer;
import io.octofleet.server.inventory.Inventory;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.inventory.SampleInventory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.octofleet.server.db.Tables.NODES;
import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP API on a random port, backed by the real embedded PostgreSQL. */
class NodeControllerTest {
    static TestServer server;
    static JsonMapper json;
    static NodeService nodes;
    static InventoryService inventory;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    // The fleet every list test searches within; all hostnames start with "ctl-" and nothing else's does.
    static NodeId web1;
    static NodeId web2;
    static NodeId db1;
    static NodeId mail;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("octofleet.grpc.heartbeat-interval", "1h"));
        ApplicationContext context = server.context();
        json = context.getBean(JsonMapper.class);
        nodes = context.getBean(NodeService.class);
        inventory = context.getBean(InventoryService.class);
        org.jooq.DSLContext dsl = context.getBean(org.jooq.DSLContext.class);

        web1 = server.createNode("ctl-web-01");
        web2 = server.createNode("ctl-web-02");
        db1 = server.createNode("ctl-db-01");
        mail = server.createNode("CTL-Mail");
        nodes.sessionOpened(web1, UUID.randomUUID(), "ctl-web-01", "0.1.0");
        nodes.sessionOpened(web2, UUID.randomUUID(), "ctl-web-02", "0.1.0");
        dsl.update(NODES).set(NODES.LAST_SEEN, OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5))
                .where(NODES.ID.eq(web2.value())).execute();
        inventory.store(web1, SampleInventory.linuxHost(), "sha-web1", Instant.parse("2026-11-21T10:00:00Z"));
        inventory.store(web2, SampleInventory.withNics(SampleInventory.linuxHost(), nics -> List.of(
                new Inventory.Nic("ens3", "52:54:00:ab:cd:ef", List.of("192.168.7.20"), List.of(), 1_000_000_000L))),
                "sha-web2", Instant.parse("2026-11-21T10:00:00Z"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }


    /** Every API call goes through here: logged in as admin. */
    private static HttpRequest.Builder request(String pathAndQuery) {
        return server.request(pathAndQuery);
    }

    private static HttpResponse<String> get(String pathAndQuery) {
        return send(request(pathAndQuery).GET().build());
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(HttpResponse<String> response) {
        try {
            return (Map<String, Object>) json.readValue(response.body(), Argument.OBJECT_ARGUMENT);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return (List<Map<String, Object>>) body(response).get("items");
    }

    private static List<Object> hostnames(String query) {
        return items(get("/api/v1/nodes?" + query)).stream().map(n -> n.get("hostname")).toList();
    }

    @Test
    void listFindsHostnameSubstringsCaseInsensitively() {
        assertThat(hostnames("q=CTL-WEB")).containsExactly("ctl-web-01", "ctl-web-02");
        assertThat(hostnames("q=ctl-mail")).containsExactly("CTL-Mail");
        assertThat(hostnames("q=%25")).isEmpty(); // a LIKE wildcard matches itself only
    }

    @Test
    void listFindsNodesByIdPrefixIpAndMac() {
        assertThat(hostnames("q=" + db1.value().toString().substring(0, 13))).containsExactly("ctl-db-01");
        assertThat(hostnames("q=192.168.7.20")).containsExactly("ctl-web-02");
        assertThat(hostnames("q=52:54:00:AB:CD:EF")).containsExactly("ctl-web-02");
    }

    @Test
    void listFiltersByStatus() {
        assertThat(hostnames("q=ctl-&status=online")).containsExactly("ctl-web-01", "ctl-web-02");
        assertThat(hostnames("q=ctl-&status=offline")).containsExactly("ctl-db-01", "CTL-Mail");
    }

    @Test
    void listSortsAndPages() {
        HttpResponse<String> first = get("/api/v1/nodes?q=ctl-&sort=-hostname&size=2");
        assertThat(items(first)).extracting(n -> n.get("hostname")).containsExactly("ctl-web-02", "ctl-web-01");
        assertThat(body(first).get("total")).isEqualTo(4);
        assertThat(hostnames("q=ctl-&sort=-hostname&size=2&page=1")).containsExactly("CTL-Mail", "ctl-db-01");
        assertThat(hostnames("q=ctl-&sort=-hostname&size=2&page=2")).isEmpty();
        assertThat(hostnames("q=ctl-&sort=hostname")).containsExactly("ctl-db-01", "CTL-Mail", "ctl-web-01", "ctl-web-02");
        // Never-seen nodes come last in both directions.
        assertThat(hostnames("q=ctl-&sort=lastSeen")).startsWith("ctl-web-02", "ctl-web-01");
        assertThat(hostnames("q=ctl-&sort=-lastSeen")).startsWith("ctl-web-01", "ctl-web-02");
        assertThat(hostnames("q=ctl-&sort=-status").subList(0, 2)).containsExactlyInAnyOrder("ctl-web-01", "ctl-web-02");
        assertThat(hostnames("q=ctl-&sort=enrolledAt")).containsExactly("ctl-web-01", "ctl-web-02", "ctl-db-01", "CTL-Mail");
    }

    @Test
    void listItemsShowStatusTimesAndOsAsTheApiPromises() {
        Map<String, Object> item = items(get("/api/v1/nodes?q=ctl-web-01")).get(0);
        assertThat(item).containsEntry("id", web1.value().toString())
                .containsEntry("hostname", "ctl-web-01")
                .containsEntry("status", "online")
                .containsEntry("agentVersion", "0.1.0")
                .containsEntry("os", Map.of("family", "linux", "name", "Debian GNU/Linux", "version", "12",
                        "kernel", "6.1.0-28-amd64", "arch", "x86_64"));
        assertThat(Instant.parse((String) item.get("lastSeen"))).isAfter(Instant.now().minus(Duration.ofMinutes(5)));
        assertThat(Instant.parse((String) item.get("enrolledAt"))).isBefore(Instant.now());

        Map<String, Object> unseen = items(get("/api/v1/nodes?q=ctl-db-01")).get(0);
        assertThat(unseen).containsEntry("status", "offline").containsEntry("lastSeen", null).containsEntry("os", null);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "status=sleeping     | status",
            "sort=name           | sort",
            "sort=-              | sort",
            "page=-1             | page",
            "page=first          | page",
            "size=0              | size",
            "size=501            | size",
    })
    void listRejectsBadParametersNamingThem(String query, String parameter) {
        HttpResponse<String> response = get("/api/v1/nodes?" + query);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(body(response)).containsEntry("status", 400)
                .hasEntrySatisfying("detail", detail -> assertThat((String) detail).startsWith(parameter));
    }

    @Test
    void getShowsTheNodeWithItsInventory() {
        Map<String, Object> node = body(get("/api/v1/nodes/" + web1));

        assertThat(node).containsEntry("id", web1.value().toString()).containsEntry("status", "online");
        assertThat(node.get("inventory")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("memory", Map.of("totalBytes", 128L << 30))
                .containsEntry("bootTime", SampleInventory.BOOT.toString())
                .containsKeys("os", "cpu", "disks", "filesystems", "nics", "system", "gpus", "packages");
        // Empty lists are present, not omitted: clients need no null checks.
        assertThat(body(get("/api/v1/nodes/" + web2)).get("inventory")).asInstanceOf(
                        org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("nics", List.of(Map.of("name", "ens3", "mac", "52:54:00:ab:cd:ef",
                        "ipv4", List.of("192.168.7.20"), "ipv6", List.of(), "speedBps", 1_000_000_000)));
        assertThat(body(get("/api/v1/nodes/" + db1))).containsEntry("hostname", "ctl-db-01")
                .containsEntry("inventory", null);
    }

    @Test
    void unknownNodeIsA404Problem() {
        NodeId stranger = NodeId.random();

        for (String path : List.of("", "/packages", "/inventory/history")) {
            HttpResponse<String> response = get("/api/v1/nodes/" + stranger + path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(body(response)).containsEntry("type", "https://octofleet.io/problems/not-found")
                    .containsEntry("detail", "node " + stranger + " not found");
        }
    }

    @Test
    void malformedNodeIdIsA400Problem() {
        HttpResponse<String> response = get("/api/v1/nodes/not-a-uuid");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(body(response)).containsEntry("type", "https://octofleet.io/problems/invalid-request");
    }

    @Test
    void packagesListsNameVersionArch() {
        HttpResponse<String> response = get("/api/v1/nodes/" + web1 + "/packages");

        assertThat(items(response)).first().isEqualTo(Map.of("name", "bash", "version", "5.2.15-2+b7", "arch", "amd64"));
        assertThat(body(response)).containsEntry("total", 3);
    }

    @Test
    void historyShowsChangesWithTheItemsAsObjects() {
        NodeId node = server.createNode("hist-node");
        inventory.store(node, SampleInventory.linuxHost(), "sha-1", Instant.parse("2026-11-21T10:00:00Z"));
        inventory.store(node, SampleInventory.withPackages(SampleInventory.linuxHost(), p -> {
            p.set(0, new Inventory.SoftwarePackage("bash", "5.2.15-2+b8", "amd64"));
            return p;
        }), "sha-2", Instant.parse("2026-11-21T11:00:00Z"));

        List<Map<String, Object>> history = items(get("/api/v1/nodes/" + node + "/inventory/history"));

        assertThat(history).hasSize(2);
        assertThat(history.get(0)).containsEntry("changedAt", "2026-11-21T11:00:00Z")
                .containsEntry("section", "packages").containsEntry("key", "bash:amd64")
                .containsEntry("change", "changed")
                .containsEntry("before", Map.of("name", "bash", "version", "5.2.15-2+b7", "arch", "amd64"))
                .containsEntry("after", Map.of("name", "bash", "version", "5.2.15-2+b8", "arch", "amd64"));
        assertThat(history.get(1)).containsEntry("change", "initial").containsEntry("before", null);
        assertThat(items(get("/api/v1/nodes/" + node + "/inventory/history?limit=1"))).hasSize(1);
        assertThat(items(get("/api/v1/nodes/" + node + "/inventory/history?before=2026-11-21T11:00:00Z")))
                .extracting(c -> c.get("change")).containsExactly("initial");
        assertThat(get("/api/v1/nodes/" + node + "/inventory/history?limit=0").statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/nodes/" + node + "/inventory/history?before=yesterday").statusCode()).isEqualTo(400);
    }

    private static HttpResponse<String> putTags(NodeId node, String body) {
        return send(request("/api/v1/nodes/" + node + "/tags").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static String encoded(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void putTagsReplacesTheTagsWhichListAndDetailShowSorted() {
        NodeId node = server.createNode("tagged-one");

        HttpResponse<String> response = putTags(node, "{\"tags\": [\"lab\", \"gpu\", \"rack:b7\", \"lab\"]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(body(response)).isEqualTo(Map.of("tags", List.of("gpu", "lab", "rack:b7")));
        assertThat(items(get("/api/v1/nodes?q=tagged-one")).get(0)).containsEntry("tags", List.of("gpu", "lab", "rack:b7"));
        assertThat(body(get("/api/v1/nodes/" + node))).containsEntry("tags", List.of("gpu", "lab", "rack:b7"));

        assertThat(putTags(node, "{\"tags\": [\"web\"]}").statusCode()).isEqualTo(200);
        assertThat(body(get("/api/v1/nodes/" + node))).containsEntry("tags", List.of("web"));
        assertThat(putTags(node, "{\"tags\": []}").statusCode()).isEqualTo(200);
        assertThat(body(get("/api/v1/nodes/" + node))).containsEntry("tags", List.of());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "`{\"tags\": [\"Lab\"]}`               | tag 'Lab' must be 1-63 characters of lower-case letters",
            "`{\"tags\": [\"\"]}`                  | tag '' must be",
            "`{\"tags\": [\"has space\"]}`         | tag 'has space' must be",
            "`{\"tags\": [\"semi;colon\"]}`        | tag 'semi;colon' must be",
            "`{\"tags\": [\"\u00e9t\u00e9\"]}`  | tag 'été' must be 1-63 characters",
            "`{\"tags\": [null]}`                  | tag null must be",
            "`{}`                                    | tags is required",
    })
    void invalidTagsAreA400ProblemAndChangeNothing(String body, String detail) {
        NodeId node = server.createNode("bad-tags-node");
        assertThat(putTags(node, "{\"tags\": [\"keep\"]}").statusCode()).isEqualTo(200);

        HttpResponse<String> response = putTags(node, body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(body(response)).containsEntry("type", "https://octofleet.io/problems/invalid-request")
                .hasEntrySatisfying("detail", d -> assertThat((String) d).startsWith(detail));
        assertThat(body(get("/api/v1/nodes/" + node))).containsEntry("tags", List.of("keep"));
    }

    @Test
    void tagLengthAndCountAreBounded() {
        NodeId node = server.createNode("bounded-tags-node");
        String longest = "t".repeat(63);
        List<String> most = java.util.stream.IntStream.range(0, 64).mapToObj(i -> "\"t" + i + "\"").toList();

        assertThat(putTags(node, "{\"tags\": [\"" + longest + "\"]}").statusCode()).isEqualTo(200);
        assertThat(putTags(node, "{\"tags\": [\"" + longest + "x\"]}").statusCode()).isEqualTo(400);
        assertThat(putTags(node, "{\"tags\": [" + String.join(",", most) + "]}").statusCode()).isEqualTo(200);
        HttpResponse<String> tooMany = putTags(node, "{\"tags\": [" + String.join(",", most) + ", \"t64\"]}");
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(body(tooMany)).containsEntry("detail", "a node has at most 64 tags, got 65");
        assertThat((List<?>) body(get("/api/v1/nodes/" + node)).get("tags")).hasSize(64);
    }

    @Test
    void tagsOfAnUnknownOrMalformedNodeAre404And400() {
        NodeId stranger = NodeId.random();

        assertThat(putTags(stranger, "{\"tags\": [\"a\"]}").statusCode()).isEqualTo(404);
        assertThat(send(request("/api/v1/nodes/nope/tags").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"tags\": []}")).build()).statusCode()).isEqualTo(400);
    }

    @Test
    void queryFiltersWithTheRuleLanguageTogetherWithTheOtherParameters() {
        assertThat(putTags(web1, "{\"tags\": [\"frontend\"]}").statusCode()).isEqualTo(200);

        assertThat(hostnames("query=" + encoded("os.family = \"linux\" and hostname ~ \"ctl-*\"")))
                .containsExactly("ctl-web-01", "ctl-web-02");
        assertThat(hostnames("query=" + encoded("tag = \"frontend\""))).containsExactly("ctl-web-01");
        assertThat(hostnames("q=ctl-&query=" + encoded("nic.ip = \"192.168.7.20\""))).containsExactly("ctl-web-02");
        assertThat(hostnames("q=ctl-&status=online&query=" + encoded("not tag = \"frontend\"")))
                .containsExactly("ctl-web-02");
        assertThat(hostnames("q=ctl-&sort=-hostname&size=1&query=" + encoded("os.family = \"linux\"")))
                .containsExactly("ctl-web-02");
        assertThat(body(get("/api/v1/nodes?q=ctl-&size=1&query=" + encoded("os.family = \"linux\""))))
                .containsEntry("total", 2);
        assertThat(hostnames("q=ctl-&query=" + encoded("hostname = \"'; drop table nodes; --\""))).isEmpty();
        assertThat(hostnames("q=ctl-")).hasSize(4);
    }

    @Test
    void badQueryIsA400ThatPointsAtThePosition() {
        HttpResponse<String> response = get("/api/v1/nodes?query=" + encoded("os.family = \"linux\" and gpu.count >="));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(body(response)).containsEntry("type", "https://octofleet.io/problems/invalid-request")
                .containsEntry("detail", "query at 36: expected a value after '>=', got the end of the rule");
        assertThat(body(get("/api/v1/nodes?query=" + encoded("color = \"red\""))).get("detail"))
                .asString().startsWith("query at 0: unknown field 'color'");
        assertThat(get("/api/v1/nodes?query=" + encoded("(".repeat(40) + "tag = \"a\"" + ")".repeat(40))).statusCode())
                .isEqualTo(400);
    }

    @Test
    void deleteAnswers204AndTheNodeIsGone() {
        NodeId node = server.createNode("scratch-delete");

        HttpResponse<String> deleted = send(request("/api/v1/nodes/" + node).DELETE().build());

        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(get("/api/v1/nodes/" + node).statusCode()).isEqualTo(404);
        assertThat(send(request("/api/v1/nodes/" + node).DELETE().build()).statusCode()).isEqualTo(404);
    }
}
