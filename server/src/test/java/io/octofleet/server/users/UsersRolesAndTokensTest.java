package io.octofleet.server.users;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static io.octofleet.server.db.Tables.API_TOKENS;
import static io.octofleet.server.db.Tables.AUDIT_LOG;
import static org.assertj.core.api.Assertions.assertThat;

/** Users, roles, organizations and API tokens over the real API and database. */
class UsersRolesAndTokensTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = "a-long-enough-secret-42";
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
        assertThat(server.post("/api/v1/organizations", "{\"name\":\"acme\",\"description\":\"Acme Corp\"}")
                .statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/organizations", "{\"name\":\"globex\"}").statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anAdminCreatesAViewerWhoCanReadButNotChangeAndTheChangeIsAuditedWithBeforeAndAfter() {
        HttpResponse<String> created = server.post("/api/v1/users", "{\"username\":\"vera\",\"password\":\""
                + PASSWORD + "\",\"roles\":[{\"role\":\"viewer\",\"organization\":\"default\"}]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode user = json(created.body());
        assertThat(user.get("roles").get(0).get("role").asText()).isEqualTo("viewer");
        assertThat(user.get("roles").get(0).get("organization").asText()).isEqualTo("default");
        assertThat(created.body()).doesNotContain("argon2").doesNotContain(PASSWORD);

        String vera = login("vera", PASSWORD);
        assertThat(call("GET", "/api/v1/nodes", null, vera).statusCode()).isEqualTo(200);
        assertThat(call("POST", "/api/v1/groups", "{\"name\":\"x\",\"kind\":\"static\",\"nodeIds\":[]}", vera)
                .statusCode()).isEqualTo(403);
        assertThat(call("GET", "/api/v1/users", null, vera).statusCode()).isEqualTo(403);
        JsonNode me = json(call("GET", "/api/v1/auth/me", null, vera).body());
        assertThat(me.get("user").get("username").asText()).isEqualTo("vera");
        assertThat(me.get("permissions").get("default").toString()).contains("nodes:read").doesNotContain("jobs:run");

        String id = user.get("id").asText();
        HttpResponse<String> promoted = call("PUT", "/api/v1/users/" + id,
                "{\"roles\":[{\"role\":\"operator\",\"organization\":\"default\"}]}", null);
        assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
        JsonNode entry = json(server.get("/api/v1/audit?action=PUT%20/api/v1/users/%7Bid%7D").body())
                .get("items").get(0);
        assertThat(entry.get("before").get("roles").get(0).get("role").asText()).isEqualTo("viewer");
        assertThat(entry.get("after").get("roles").get(0).get("role").asText()).isEqualTo("operator");
    }

    @Test
    void weakPasswordsAndBadUsernamesAreRefusedWithAReasonAndCreateNothing() {
        HttpResponse<String> shortOne = server.post("/api/v1/users",
                "{\"username\":\"shorty\",\"password\":\"tooshort\",\"roles\":[]}");
        assertThat(shortOne.statusCode()).isEqualTo(400);
        assertThat(shortOne.body()).contains("at least 12 characters");
        HttpResponse<String> withName = server.post("/api/v1/users",
                "{\"username\":\"margaret\",\"password\":\"margaret-2026-spring\",\"roles\":[]}");
        assertThat(withName.body()).contains("must not contain the username");
        assertThat(server.post("/api/v1/users", "{\"username\":\"common\",\"password\":\"password1234\"}").body())
                .contains("too common");
        assertThat(server.post("/api/v1/users", "{\"username\":\"bad name\",\"password\":\"" + PASSWORD + "\"}")
                .statusCode()).isEqualTo(400);
        assertThat(server.post("/api/v1/users", "{\"username\":\"r1\",\"password\":\"" + PASSWORD
                + "\",\"roles\":[{\"role\":\"nope\",\"organization\":\"default\"}]}").body()).contains("no role named");
        assertThat(server.get("/api/v1/users").body()).doesNotContain("shorty").doesNotContain("margaret")
                .doesNotContain("\"r1\"");
    }

    @Test
    void disablingAUserEndsTheirSessionsAndTokensAndTheLastSuperAdminCannotBeRemoved() {
        String id = createUser("dora", "{\"role\":\"operator\",\"organization\":\"default\"}");
        String session = login("dora", PASSWORD);
        String token = json(call("POST", "/api/v1/tokens", "{\"name\":\"ci\",\"permissions\":[\"nodes:read\"]}",
                session).body()).get("token").asText();
        assertThat(call("GET", "/api/v1/nodes", null, token).statusCode()).isEqualTo(200);

        assertThat(call("PUT", "/api/v1/users/" + id, "{\"disabled\":true}", null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/v1/nodes", null, session).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/api/v1/nodes", null, token).statusCode()).isEqualTo(401);
        HttpResponse<String> refused = server.post("/api/v1/auth/login",
                "{\"username\":\"dora\",\"password\":\"" + PASSWORD + "\"}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("disabled");

        String adminId = json(server.get("/api/v1/auth/me").body()).get("user").get("id").asText();
        HttpResponse<String> self = server.delete("/api/v1/users/" + adminId);
        assertThat(self.statusCode()).isEqualTo(409);
        assertThat(self.body()).contains("yourself");
        // someone who manages users everywhere without being an admin cannot remove the last admin of everything
        assertThat(server.post("/api/v1/roles", "{\"name\":\"registrar\",\"permissions\":[\"users:manage\"]}")
                .statusCode()).isEqualTo(201);
        createUser("reggie", "{\"role\":\"registrar\",\"organization\":\"*\"}");
        String reggie = login("reggie", PASSWORD);
        HttpResponse<String> last = call("DELETE", "/api/v1/users/" + adminId, null, reggie);
        assertThat(last.statusCode()).isEqualTo(409);
        assertThat(last.body()).contains("last enabled admin");
        assertThat(call("PUT", "/api/v1/users/" + adminId, "{\"disabled\":true}", reggie).statusCode())
                .isEqualTo(409);
    }

    @Test
    void anOrganizationAdminManagesOnlyTheirOrganizationAndCannotEscalate() {
        createUser("acme-boss", "{\"role\":\"admin\",\"organization\":\"acme\"}");
        String boss = login("acme-boss", PASSWORD);
        HttpResponse<String> own = call("POST", "/api/v1/users", "{\"username\":\"acme-dev\",\"password\":\""
                + PASSWORD + "\",\"roles\":[{\"role\":\"operator\",\"organization\":\"acme\"}]}", boss);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(201);
        // another organization does not exist for them; every organization is beyond them
        assertThat(call("POST", "/api/v1/users", "{\"username\":\"spy\",\"password\":\"" + PASSWORD
                + "\",\"roles\":[{\"role\":\"viewer\",\"organization\":\"globex\"}]}", boss).statusCode())
                .isEqualTo(404);
        assertThat(call("POST", "/api/v1/users", "{\"username\":\"spy\",\"password\":\"" + PASSWORD
                + "\",\"roles\":[{\"role\":\"viewer\",\"organization\":\"*\"}]}", boss).statusCode()).isEqualTo(403);
        // they only see users bound in acme
        String list = call("GET", "/api/v1/users", null, boss).body();
        assertThat(list).contains("acme-dev").doesNotContain("\"username\":\"admin\"");
        String adminId = json(server.get("/api/v1/auth/me").body()).get("user").get("id").asText();
        assertThat(call("GET", "/api/v1/users/" + adminId, null, boss).statusCode()).isEqualTo(404);

        // a custom role with users:manage but without jobs:run cannot grant operator (which has jobs:run)
        assertThat(server.post("/api/v1/roles", "{\"name\":\"people\",\"permissions\":[\"users:manage\","
                + "\"nodes:read\"]}").statusCode()).isEqualTo(201);
        createUser("hr", "{\"role\":\"people\",\"organization\":\"acme\"}");
        String hr = login("hr", PASSWORD);
        HttpResponse<String> escalation = call("POST", "/api/v1/users", "{\"username\":\"friend\",\"password\":\""
                + PASSWORD + "\",\"roles\":[{\"role\":\"operator\",\"organization\":\"acme\"}]}", hr);
        assertThat(escalation.statusCode()).isEqualTo(403);
        assertThat(escalation.body()).contains("all of the role's permissions");
        assertThat(call("POST", "/api/v1/users", "{\"username\":\"friend\",\"password\":\"" + PASSWORD
                + "\",\"roles\":[{\"role\":\"people\",\"organization\":\"acme\"}]}", hr).statusCode()).isEqualTo(201);
    }

    @Test
    void builtinRolesAreFixedCustomRolesValidateTheirPermissionsAndARoleInUseStays() {
        assertThat(call("PUT", "/api/v1/roles/viewer", "{\"permissions\":[\"nodes:read\"]}", null).statusCode())
                .isEqualTo(409);
        HttpResponse<String> unknown = server.post("/api/v1/roles", "{\"name\":\"odd\",\"permissions\":[\"nodes:fly\"]}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("unknown permission 'nodes:fly'");
        assertThat(server.post("/api/v1/roles", "{\"name\":\"gpu-ops\",\"permissions\":[\"nodes:read\",\"jobs:run\"]}")
                .statusCode()).isEqualTo(201);
        createUser("gina", "{\"role\":\"gpu-ops\",\"organization\":\"default\"}");
        assertThat(server.delete("/api/v1/roles/gpu-ops").statusCode()).isEqualTo(409);
        assertThat(server.get("/api/v1/roles").body()).contains("\"admin\"").contains("\"auditor\"")
                .contains("gpu-ops");
    }

    @Test
    void organizationsAreListedByVisibilityAndOnlyEmptyOnesCanBeDeleted() {
        createUser("olga", "{\"role\":\"viewer\",\"organization\":\"globex\"}");
        String olga = login("olga", PASSWORD);
        String list = call("GET", "/api/v1/organizations", null, olga).body();
        assertThat(list).contains("globex").doesNotContain("acme").doesNotContain("\"default\"");
        assertThat(call("GET", "/api/v1/organizations/acme", null, olga).statusCode()).isEqualTo(404);
        assertThat(call("POST", "/api/v1/organizations", "{\"name\":\"mine\"}", olga).statusCode()).isEqualTo(403);

        assertThat(server.post("/api/v1/organizations", "{\"name\":\"Bad Name\"}").statusCode()).isEqualTo(400);
        assertThat(server.post("/api/v1/organizations", "{\"name\":\"acme\"}").statusCode()).isEqualTo(409);
        assertThat(server.delete("/api/v1/organizations/default").statusCode()).isEqualTo(409);
        server.createNode("initech-host", server.bean(io.octofleet.server.organizations.Organizations.class)
                .byName("globex").orElseThrow());
        assertThat(server.delete("/api/v1/organizations/globex").body()).contains("1 node(s)");
        assertThat(server.post("/api/v1/organizations", "{\"name\":\"short-lived\"}").statusCode()).isEqualTo(201);
        assertThat(server.delete("/api/v1/organizations/short-lived").statusCode()).isEqualTo(204);
    }

    @Test
    void apiTokensAreScopedExpireRevokeRecordTheirUseAndAreStoredHashed() {
        createUser("tim", "{\"role\":\"operator\",\"organization\":\"default\"}");
        String tim = login("tim", PASSWORD);
        // a scope beyond the owner's permissions is refused
        assertThat(call("POST", "/api/v1/tokens", "{\"name\":\"too-much\",\"permissions\":[\"users:manage\"]}", tim)
                .statusCode()).isEqualTo(403);
        HttpResponse<String> created = call("POST", "/api/v1/tokens",
                "{\"name\":\"inventory-sync\",\"permissions\":[\"nodes:read\"],\"expiresIn\":\"P7D\"}", tim);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String token = json(created.body()).get("token").asText();
        String tokenId = json(created.body()).get("id").asText();
        assertThat(token).startsWith("ofa_");

        assertThat(call("GET", "/api/v1/nodes", null, token).statusCode()).isEqualTo(200);
        // outside its scope, though tim could: 403
        assertThat(call("GET", "/api/v1/jobs", null, token).statusCode()).isEqualTo(403);
        JsonNode listed = json(call("GET", "/api/v1/tokens", null, tim).body()).get("items").get(0);
        assertThat(listed.get("lastUsedAt").isNull()).isFalse();
        assertThat(listed.get("lastUsedFrom").asText()).isEqualTo("127.0.0.1");
        assertThat(listed.toString()).doesNotContain(token);
        // only a digest is stored
        DSLContext dsl = server.bean(DSLContext.class);
        byte[] stored = dsl.select(API_TOKENS.TOKEN_SHA256).from(API_TOKENS)
                .where(API_TOKENS.ID.eq(java.util.UUID.fromString(tokenId))).fetchSingle().value1();
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(token.substring(4, 20));
        assertThat(stored).hasSize(32);

        assertThat(call("POST", "/api/v1/tokens", "{\"name\":\"x\",\"permissions\":[\"nodes:read\"],"
                + "\"expiresIn\":\"P4000D\"}", tim).statusCode()).isEqualTo(400);
        assertThat(call("DELETE", "/api/v1/tokens/" + tokenId, null, tim).statusCode()).isEqualTo(204);
        assertThat(call("GET", "/api/v1/nodes", null, token).statusCode()).isEqualTo(401);
        // someone else's token is not there for you
        assertThat(call("DELETE", "/api/v1/tokens/" + tokenId, null, null).statusCode()).isEqualTo(404);

        // expired: made to expire now by the database clock
        String shortLived = json(call("POST", "/api/v1/tokens", "{\"name\":\"short\",\"permissions\":[\"nodes:read\"],"
                + "\"expiresIn\":\"PT1H\"}", tim).body()).get("token").asText();
        dsl.update(API_TOKENS).set(API_TOKENS.EXPIRES_AT, java.time.OffsetDateTime.now().minusSeconds(1))
                .where(API_TOKENS.NAME.eq("short")).execute();
        assertThat(call("GET", "/api/v1/nodes", null, shortLived).statusCode()).isEqualTo(401);
        assertThat(dsl.fetchCount(AUDIT_LOG, AUDIT_LOG.ACTION.eq("POST /api/v1/tokens"))).isGreaterThanOrEqualTo(3);
    }

    @Test
    void anAdminMakesTokensForAServiceAccountWhichCannotLogIn() {
        HttpResponse<String> created = server.post("/api/v1/users", "{\"username\":\"ci-bot\",\"kind\":\"service\","
                + "\"roles\":[{\"role\":\"operator\",\"organization\":\"default\"}]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = json(created.body()).get("id").asText();
        HttpResponse<String> token = server.post("/api/v1/users/" + id + "/tokens",
                "{\"name\":\"pipeline\",\"permissions\":[\"jobs:run\",\"jobs:read\"]}");
        assertThat(token.statusCode()).as(token.body()).isEqualTo(201);
        assertThat(call("GET", "/api/v1/jobs", null, json(token.body()).get("token").asText()).statusCode())
                .isEqualTo(200);
        assertThat(server.get("/api/v1/users/" + id + "/tokens").body()).contains("pipeline");
        assertThat(server.post("/api/v1/auth/login", "{\"username\":\"ci-bot\",\"password\":\"anything-at-all-1\"}")
                .statusCode()).isEqualTo(401);
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    static String createUser(String username, String binding) {
        HttpResponse<String> created = server.post("/api/v1/users", "{\"username\":\"" + username
                + "\",\"password\":\"" + PASSWORD + "\",\"roles\":[" + binding + "]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json(created.body()).get("id").asText();
    }

    static String login(String username, String password) {
        HttpResponse<String> response = server.post("/api/v1/auth/login",
                "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response.body()).get("token").asText();
    }

    /** A request with {@code token} (null: the test server's admin). */
    static HttpResponse<String> call(String method, String path, String body, String token) {
        HttpRequest.Builder request = token == null ? server.request(path)
                : HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + token);
        request.header("Content-Type", "application/json").method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return server.send(request);
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
