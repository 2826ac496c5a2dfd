package io.octofleet.server.organizations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import io.octofleet.server.enrollment.EnrollmentService;
import io.octofleet.server.nodes.NodeId;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Map;

import static io.octofleet.server.db.Tables.AUDIT_LOG;
import static io.octofleet.server.db.Tables.NODES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two tenants on one server: acme's operator cannot see, run jobs on, change or enroll into globex, and what they
 * do lands in acme's part of the audit log. A binding narrowed to a node group reaches that group's nodes only.
 */
class TenancyIsolationTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = "tenant-password-2026";
    static TestServer server;
    static NodeId acmeWeb;
    static NodeId acmeDb;
    static NodeId globexNode;
    static String acmeOperator;
    static String globexGroup;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
        for (String org : new String[] {"acme", "globex"}) {
            assertThat(server.post("/api/v1/organizations", "{\"name\":\"" + org + "\"}").statusCode()).isEqualTo(201);
        }
        Organizations organizations = server.bean(Organizations.class);
        acmeWeb = server.createNode("acme-web", organizations.byName("acme").orElseThrow());
        acmeDb = server.createNode("acme-db", organizations.byName("acme").orElseThrow());
        globexNode = server.createNode("globex-1", organizations.byName("globex").orElseThrow());
        globexGroup = id(server.post("/api/v1/groups", "{\"name\":\"all\",\"kind\":\"dynamic\",\"rule\":"
                + "\"hostname ~ \\\"*\\\"\",\"organization\":\"globex\"}"));
        user("acme-op", "[{\"role\":\"operator\",\"organization\":\"acme\"}]");
        acmeOperator = login("acme-op");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anOperatorSeesOnlyTheirOrganizationsNodesGroupsAndParameters() {
        String nodes = as(acmeOperator, "GET", "/api/v1/nodes", null).body();
        assertThat(nodes).contains("acme-web").contains("acme-db").doesNotContain("globex-1");
        assertThat(as(acmeOperator, "GET", "/api/v1/nodes/" + globexNode, null).statusCode()).isEqualTo(404);
        assertThat(as(acmeOperator, "GET", "/api/v1/groups/" + globexGroup, null).statusCode()).isEqualTo(404);
        assertThat(as(acmeOperator, "GET", "/api/v1/groups", null).body()).doesNotContain(globexGroup);
        assertThat(as(acmeOperator, "PUT", "/api/v1/nodes/" + globexNode + "/parameters/X", "{\"value\":\"1\"}")
                .statusCode()).isEqualTo(404);
        assertThat(as(acmeOperator, "GET", "/api/v1/parameters?organization=globex", null).statusCode())
                .isEqualTo(404);
        assertThat(as(acmeOperator, "GET", "/api/v1/ansible/inventory", null).body()).contains("acme-web")
                .doesNotContain("globex-1");
        // a dynamic group's rule only ever selects nodes of its own organization
        assertThat(server.get("/api/v1/groups/" + globexGroup + "/nodes").body()).contains("globex-1")
                .doesNotContain("acme-web");
        // organization-wide parameters are per organization: the same key lives twice
        assertThat(as(acmeOperator, "PUT", "/api/v1/parameters/REGION", "{\"value\":\"eu\"}").statusCode())
                .isEqualTo(200);
        assertThat(server.send(server.request("/api/v1/parameters/REGION?organization=globex")
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(
                        "{\"value\":\"us\"}"))).statusCode()).isEqualTo(200);
        assertThat(as(acmeOperator, "GET", "/api/v1/nodes/" + acmeWeb + "/parameters?effective=true", null).body())
                .contains("\"eu\"").doesNotContain("\"us\"");
    }

    @Test
    void anOperatorCannotRunJobsOnAnotherOrganizationsNodesNorEnrollIntoIt() throws Exception {
        HttpResponse<String> foreign = as(acmeOperator, "POST", "/api/v1/jobs", "{\"name\":\"x\",\"kind\":\"shell\","
                + "\"script\":\"true\",\"targets\":{\"nodeIds\":[\"" + globexNode + "\"]}}");
        assertThat(foreign.statusCode()).isEqualTo(404);
        HttpResponse<String> foreignGroup = as(acmeOperator, "POST", "/api/v1/jobs", "{\"name\":\"x\",\"kind\":"
                + "\"shell\",\"script\":\"true\",\"targets\":{\"groupIds\":[\"" + globexGroup + "\"]}}");
        assertThat(foreignGroup.statusCode()).isEqualTo(404);
        // a rule over everything still only reaches acme's nodes
        HttpResponse<String> everything = as(acmeOperator, "POST", "/api/v1/jobs", "{\"name\":\"all\",\"kind\":"
                + "\"shell\",\"script\":\"true\",\"targets\":{\"query\":\"hostname ~ \\\"*\\\"\"}}");
        assertThat(everything.statusCode()).as(everything.body()).isEqualTo(201);
        JsonNode job = json(everything.body());
        assertThat(job.get("organization").asText()).isEqualTo("acme");
        assertThat(job.get("runs")).hasSize(2);
        assertThat(everything.body()).doesNotContain(globexNode.toString());
        // the super-admin's job list has it; globex's admin would not
        user("globex-admin", "[{\"role\":\"admin\",\"organization\":\"globex\"}]");
        String globexAdmin = login("globex-admin");
        assertThat(as(globexAdmin, "GET", "/api/v1/jobs/" + job.get("id").asText(), null).statusCode()).isEqualTo(404);
        assertThat(as(globexAdmin, "GET", "/api/v1/jobs", null).body()).doesNotContain(job.get("id").asText());

        assertThat(as(acmeOperator, "POST", "/api/v1/enrollment-tokens", "{\"organization\":\"globex\"}")
                .statusCode()).isEqualTo(404);
        HttpResponse<String> token = as(acmeOperator, "POST", "/api/v1/enrollment-tokens", "{}");
        assertThat(token.statusCode()).isEqualTo(201);
        // an agent enrolled with acme's token lands in acme
        EnrollmentService.Enrolled enrolled = server.bean(EnrollmentService.class).enroll(
                json(token.body()).get("token").asText(), csr(), "acme-new", "1.0", "127.0.0.1");
        assertThat(server.bean(org.jooq.DSLContext.class).select(NODES.ORGANIZATION_ID).from(NODES)
                .where(NODES.ID.eq(enrolled.node().value())).fetchSingle().value1())
                .isEqualTo(server.bean(Organizations.class).byName("acme").orElseThrow().value());
        assertThat(as(globexAdmin, "GET", "/api/v1/enrollment-tokens", null).body())
                .doesNotContain(json(token.body()).get("id").asText());
        // acme's changes are acme's in the audit log
        assertThat(server.bean(org.jooq.DSLContext.class).fetchCount(AUDIT_LOG, AUDIT_LOG.ACTION.eq("POST /api/v1/jobs")
                .and(AUDIT_LOG.ORGANIZATION_ID.eq(server.bean(Organizations.class).byName("acme").orElseThrow()
                        .value())))).isPositive();
    }

    @Test
    void anAuditorSeesTheAuditLogOfTheirOrganizationOnly() {
        assertThat(as(acmeOperator, "PUT", "/api/v1/nodes/" + acmeWeb + "/tags", "{\"tags\":[\"audited\"]}")
                .statusCode()).isEqualTo(200);
        assertThat(server.send(server.request("/api/v1/nodes/" + globexNode + "/tags")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"tags\":[\"secret-project\"]}"))).statusCode())
                .isEqualTo(200);
        user("acme-auditor", "[{\"role\":\"auditor\",\"organization\":\"acme\"}]");
        JsonNode items = json(as(login("acme-auditor"), "GET", "/api/v1/audit?action=PUT%20/api/v1/nodes/%7Bid%7D/tags",
                null).body()).get("items");
        assertThat(items.toString()).contains(acmeWeb.toString()).doesNotContain(globexNode.toString());
        for (JsonNode entry : items) {
            assertThat(entry.get("organization").asText()).isEqualTo("acme");
        }
        // logins are server-wide: only an auditor of every organization reads them
        assertThat(as(login("acme-auditor"), "GET", "/api/v1/audit?action=login", null).body())
                .contains("\"total\":0");
        assertThat(json(server.get("/api/v1/audit?action=login").body()).get("total").asInt()).isPositive();
    }

    @Test
    void aBindingNarrowedToANodeGroupReachesThatGroupsNodesOnly() {
        String webGroup = id(as(acmeOperator, "POST", "/api/v1/groups", "{\"name\":\"web\",\"kind\":\"static\","
                + "\"nodeIds\":[\"" + acmeWeb + "\"]}"));
        user("web-op", "[{\"role\":\"operator\",\"organization\":\"acme\",\"group\":\"web\"}]");
        String webOp = login("web-op");
        String nodes = as(webOp, "GET", "/api/v1/nodes", null).body();
        assertThat(nodes).contains("acme-web").doesNotContain("acme-db");
        assertThat(as(webOp, "GET", "/api/v1/nodes/" + acmeDb, null).statusCode()).isEqualTo(404);
        HttpResponse<String> allowed = as(webOp, "POST", "/api/v1/jobs", "{\"name\":\"w\",\"kind\":\"shell\","
                + "\"script\":\"true\",\"targets\":{\"groupIds\":[\"" + webGroup + "\"]}}");
        assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(201);
        HttpResponse<String> beyond = as(webOp, "POST", "/api/v1/jobs", "{\"name\":\"d\",\"kind\":\"shell\","
                + "\"script\":\"true\",\"targets\":{\"nodeIds\":[\"" + acmeDb + "\"]}}");
        assertThat(beyond.statusCode()).isEqualTo(403);
        // their own job is theirs to read; the group binding gives nothing else of the organization
        assertThat(as(webOp, "GET", "/api/v1/jobs/" + json(allowed.body()).get("id").asText(), null).statusCode())
                .isEqualTo(200);
        assertThat(as(webOp, "GET", "/api/v1/parameters", null).statusCode()).isEqualTo(403);
    }

    static void user(String name, String roles) {
        HttpResponse<String> created = server.post("/api/v1/users", "{\"username\":\"" + name + "\",\"password\":\""
                + PASSWORD + "\",\"roles\":" + roles + "}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    static String login(String name) {
        HttpResponse<String> response = server.post("/api/v1/auth/login",
                "{\"username\":\"" + name + "\",\"password\":\"" + PASSWORD + "\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response.body()).get("token").asText();
    }

    static HttpResponse<String> as(String token, String method, String path, String body) {
        return server.anonymous(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").method(method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    static String id(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response.body()).get("id").asText();
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] csr() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=agent"), keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())).getEncoded();
    }
}
