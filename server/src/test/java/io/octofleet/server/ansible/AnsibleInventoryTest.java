package io.octofleet.server.ansible;

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

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** GET /api/v1/ansible/inventory against the real server and embedded PostgreSQL, and through real ansible-inventory. */
class AnsibleInventoryTest {
    static final String SECRET = "s3cret-Value-never-shown";
    static final String NODE_SECRET = "node-only-secret-role";

    static TestServer server;
    static JsonMapper json;
    static NodeId web1;
    static NodeId web2;
    static NodeId db1;
    static NodeId db2;
    static NodeId solo;
    static String allGroupId;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("octofleet.grpc.heartbeat-interval", "1h"));
        json = server.bean(JsonMapper.class);
        NodeService nodes = server.bean(NodeService.class);
        InventoryService inventory = server.bean(InventoryService.class);
        web1 = server.createNode("web-1");
        web2 = server.createNode("web-2");
        db1 = server.createNode("db");
        db2 = server.createNode("db");
        solo = server.createNode("solo");
        inventory.store(web1, SampleInventory.linuxHost(), "sha-1", Instant.now());
        Inventory in = SampleInventory.linuxHost();
        inventory.store(web2, new Inventory(new Inventory.OperatingSystem("windows", "Windows Server 2022", "10.0",
                "10.0", "amd64"), in.cpu(), in.memory(), in.disks(), in.filesystems(),
                List.of(new Inventory.Nic("lo", "00:00:00:00:00:00", List.of("127.0.0.1"), List.of(), 0),
                        new Inventory.Nic("wan", "3c:ec:ef:10:20:31", List.of("192.0.2.7"), List.of(), 0)),
                in.system(), List.of(), List.of(), null), "sha-2", Instant.now());
        nodes.replaceTags(web1, List.of("lab", "rack:b7"));
        nodes.replaceTags(web2, List.of("edge"));

        String web = created(server.post("/api/v1/groups", "{\"name\":\"Web Servers!\",\"kind\":\"static\",\"nodeIds\":[\""
                + web1 + "\",\"" + web2 + "\"]}"));
        String linux = created(server.post("/api/v1/groups",
                "{\"name\":\"linux\",\"kind\":\"dynamic\",\"rule\":\"os.family = \\\"linux\\\"\"}"));
        created(server.post("/api/v1/groups", "{\"name\":\"10-base\",\"kind\":\"static\",\"nodeIds\":[\"" + db1 + "\"]}"));
        allGroupId = created(server.post("/api/v1/groups", "{\"name\":\"all\",\"kind\":\"static\",\"nodeIds\":[]}"));

        put("/api/v1/parameters/ntp", "{\"value\":\"pool.ntp.org\"}");
        put("/api/v1/parameters/db_password", "{\"value\":\"" + SECRET + "\",\"secret\":true}");
        put("/api/v1/groups/" + web + "/parameters/role", "{\"value\":\"web\"}");
        put("/api/v1/groups/" + linux + "/parameters/pkg_mgr", "{\"value\":\"apt\"}");
        put("/api/v1/nodes/" + web1 + "/parameters/role", "{\"value\":\"frontend\"}");
        // A secret on the node hides the group's plain value of the same key; it must not fall through to "web".
        put("/api/v1/nodes/" + web2 + "/parameters/role", "{\"value\":\"" + NODE_SECRET + "\",\"secret\":true}");
    }

    @AfterAll
    static void stop() {
        server.close();
    }


    private static String created(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return (String) parse(response.body()).get("id");
    }

    private static void put(String path, String body) {
        HttpResponse<String> response = server.send(server.request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String body) {
        try {
            return (Map<String, Object>) json.readValue(body, Argument.OBJECT_ARGUMENT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String shortId(NodeId id) {
        return id.toString().substring(0, 8);
    }

    private static Map<String, Object> list() {
        HttpResponse<String> response = server.get("/api/v1/ansible/inventory");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return parse(response.body());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> hostvars(Map<String, Object> inventory, String host) {
        return (Map<String, Object>) ((Map<String, Map<String, Object>>) inventory.get("_meta")).get("hostvars").get(host);
    }

    @SuppressWarnings("unchecked")
    private static List<String> hosts(Map<String, Object> inventory, String group) {
        assertThat(inventory).containsKey(group);
        return (List<String>) ((Map<String, Object>) inventory.get(group)).get("hosts");
    }

    @Test
    void list_hasOneHostPerNodeWithDuplicateHostnamesDisambiguated() {
        Map<String, Object> inventory = list();
        String dbA = "db-" + shortId(db1);
        String dbB = "db-" + shortId(db2);
        @SuppressWarnings("unchecked")
        Map<String, Object> all = (Map<String, Object>) ((Map<String, Object>) inventory.get("_meta")).get("hostvars");
        assertThat(all.keySet()).containsExactlyInAnyOrder("web-1", "web-2", dbA, dbB, "solo");
        assertThat(hostvars(inventory, dbA)).containsEntry("octofleet_node_id", db1.toString())
                .containsEntry("octofleet_hostname", "db")
                .containsEntry("ansible_host", "db"); // the disambiguated name does not resolve; the hostname does
        assertThat(hostvars(inventory, dbB)).containsEntry("octofleet_node_id", db2.toString());
        assertThat(hostvars(inventory, "solo")).doesNotContainKeys("ansible_host", "octofleet_os_family");
    }

    @Test
    void list_hostvarsAreInheritedParametersAndFactsWithoutSecrets() {
        Map<String, Object> inventory = list();
        assertThat(hostvars(inventory, "web-1"))
                .containsEntry("ntp", "pool.ntp.org")
                .containsEntry("role", "frontend")          // node over group
                .containsEntry("pkg_mgr", "apt")            // from the dynamic group
                .containsEntry("ansible_host", "10.0.0.5")  // eno1, not lo
                .containsEntry("octofleet_node_id", web1.toString())
                .containsEntry("octofleet_status", "offline")
                .containsEntry("octofleet_os_family", "linux")
                .containsEntry("octofleet_tags", List.of("lab", "rack:b7"))
                .doesNotContainKey("db_password");
        assertThat(hostvars(inventory, "web-2"))
                .containsEntry("ntp", "pool.ntp.org")
                .containsEntry("ansible_host", "192.0.2.7") // loopback skipped even when its NIC sorts first
                .containsEntry("octofleet_os_family", "windows")
                .doesNotContainKeys("role", "db_password", "pkg_mgr");
        assertThat(hostvars(inventory, "solo")).containsEntry("ntp", "pool.ntp.org").doesNotContainKey("db_password");
    }

    @Test
    void list_neverContainsASecretValue() {
        String body = server.get("/api/v1/ansible/inventory").body();
        assertThat(body).doesNotContain(SECRET).doesNotContain(NODE_SECRET);
        for (String host : List.of("web-1", "web-2", "solo")) {
            String one = server.get("/api/v1/ansible/inventory?host=" + host).body();
            assertThat(one).doesNotContain(SECRET).doesNotContain(NODE_SECRET);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void list_groupsAreSanitisedOctofleetGroupsAndTagGroups() {
        Map<String, Object> inventory = list();
        String allGroup = "all_" + allGroupId.substring(0, 8); // "all" is Ansible's own
        assertThat(hosts(inventory, "Web_Servers_")).containsExactly("web-1", "web-2");
        assertThat(hosts(inventory, "linux")).containsExactly("web-1");
        assertThat(hosts(inventory, "_10_base")).containsExactly("db-" + shortId(db1));
        assertThat(hosts(inventory, allGroup)).isEmpty();
        assertThat(hosts(inventory, "tag_lab")).containsExactly("web-1");
        assertThat(hosts(inventory, "tag_rack_b7")).containsExactly("web-1");
        assertThat(hosts(inventory, "tag_edge")).containsExactly("web-2");
        assertThat(hosts(inventory, "ungrouped")).containsExactly("db-" + shortId(db2), "solo");
        assertThat((List<String>) ((Map<String, Object>) inventory.get("all")).get("children"))
                .containsExactlyInAnyOrder("Web_Servers_", "linux", "_10_base", allGroup, "tag_lab", "tag_rack_b7",
                        "tag_edge", "ungrouped");
    }

    @Test
    void host_returnsThatHostsVars() {
        HttpResponse<String> response = server.get("/api/v1/ansible/inventory?host=web-1");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(parse(response.body())).isEqualTo(hostvars(list(), "web-1"));
    }

    @Test
    void host_unknownIsANotFoundProblem() {
        HttpResponse<String> response = server.get("/api/v1/ansible/inventory?host=nope");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(parse(response.body())).containsEntry("type", "https://octofleet.io/problems/not-found");
        assertThat(response.body()).contains("nope");
    }

    @Test
    void anonymousRequestIsRefused() {
        HttpResponse<String> response = server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/ansible/inventory")));
        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    @SuppressWarnings("unchecked")
    void realAnsibleInventoryReadsTheScript() throws Exception {
        assumeTrue(onPath("ansible-inventory"), "ansible-inventory is not installed");
        Path script = Path.of("..", "docs", "octofleet-inventory.py").toAbsolutePath().normalize();
        assertThat(script).exists();
        String token = server.request("/").build().headers().firstValue("Authorization").orElseThrow()
                .substring("Bearer ".length());
        Path tmp = Files.createTempDirectory("ansible-home-");
        ProcessBuilder builder = new ProcessBuilder("ansible-inventory", "-i", script.toString(), "--list")
                .redirectError(tmp.resolve("stderr").toFile())
                .redirectOutput(tmp.resolve("stdout").toFile());
        Map<String, String> env = builder.environment();
        env.put("OCTOFLEET_URL", server.uri("").toString());
        env.put("OCTOFLEET_TOKEN", token);
        env.put("HOME", tmp.toString());
        env.put("ANSIBLE_LOCAL_TEMP", tmp.resolve("tmp").toString());
        env.put("ANSIBLE_INVENTORY_UNPARSED_FAILED", "true"); // a script that fails must fail the run, not warn
        Process process = builder.start();
        try {
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("ansible-inventory finished").isTrue();
            String stdout = Files.readString(tmp.resolve("stdout"), StandardCharsets.UTF_8);
            String stderr = Files.readString(tmp.resolve("stderr"), StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as(stderr).isZero();
            assertThat(stderr).doesNotContainIgnoringCase("invalid characters");
            Map<String, Object> parsed = parse(stdout);
            assertThat(hosts(parsed, "Web_Servers_")).containsExactlyInAnyOrder("web-1", "web-2");
            assertThat(hosts(parsed, "tag_rack_b7")).containsExactly("web-1");
            assertThat(hosts(parsed, "_10_base")).containsExactly("db-" + shortId(db1));
            assertThat(hostvars(parsed, "web-1")).containsEntry("ansible_host", "10.0.0.5")
                    .containsEntry("role", "frontend");
            assertThat(hostvars(parsed, "solo")).containsEntry("octofleet_node_id", solo.toString());
            assertThat(stdout).doesNotContain(SECRET).doesNotContain(NODE_SECRET);
        } finally {
            process.destroyForcibly();
            try (var files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }
}
