package io.octofleet.server.ldap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static io.octofleet.server.db.Tables.AUDIT_LOG;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Directory sign-in through the real server's login endpoint, against UnboundID's in-memory directory: alice is in
 * group a, a in b, b in c (three levels); a mapping of c gives her a role.
 */
class LdapSignInTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static TestDirectory directory;
    static String sourceId;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("octofleet.auth.lockout-failures", "100",
                "octofleet.auth.ldap-sync-interval", "1h")); // on, but run by hand below
        directory = TestDirectory.start();
        HttpResponse<String> created = server.post("/api/v1/auth-sources", source("corp-ldap", "none",
                directory.url().toString(), null));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).contains("\"secretSet\":true").doesNotContain(TestDirectory.SERVICE_PASSWORD);
        sourceId = json(created.body()).get("id").asText();
        // the top of the chain, by DN; and bob's group, by cn, to a viewer role in another organization
        assertThat(server.post("/api/v1/auth-sources/" + sourceId + "/mappings",
                "{\"group\":\"" + TestDirectory.C + "\",\"role\":\"operator\",\"organization\":\"default\"}")
                .statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/organizations", "{\"name\":\"builders\"}").statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/auth-sources/" + sourceId + "/mappings",
                "{\"group\":\"unrelated\",\"role\":\"viewer\",\"organization\":\"builders\"}").statusCode())
                .isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        directory.close();
        server.close();
    }

    static String source(String name, String security, String url, String caPem) {
        return "{\"name\":\"" + name + "\",\"type\":\"ldap\",\"settings\":{\"directory\":\"openldap\",\"urls\":[\""
                + url + "\"],\"security\":\"" + security + "\","
                + (caPem == null ? "" : "\"caCertificatePem\":" + quote(caPem) + ",")
                + "\"bindDn\":\"" + TestDirectory.SERVICE_DN + "\",\"bindPassword\":\"" + TestDirectory.SERVICE_PASSWORD
                + "\",\"userBaseDn\":\"ou=people," + TestDirectory.BASE + "\",\"groupBaseDn\":\"" + TestDirectory.GROUPS
                + "\",\"connectTimeoutSeconds\":2,\"responseTimeoutSeconds\":2}}";
    }

    @Test
    void aUserInNestedGroupsThreeLevelsDeepGetsTheMappedRoleAndIsCreatedJustInTime() {
        HttpResponse<String> login = login("alice", "wonderland");
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        String token = json(login.body()).get("token").asText();

        JsonNode me = json(as(token, "GET", "/api/v1/auth/me", null).body());
        assertThat(me.get("user").get("source").asText()).isEqualTo("corp-ldap");
        assertThat(me.get("user").get("displayName").asText()).isEqualTo("Alice Liddell");
        assertThat(me.get("user").get("roles").get(0).get("origin").asText()).isEqualTo("mapping");
        assertThat(me.get("permissions").get("default").toString()).contains("jobs:run");
        assertThat(as(token, "GET", "/api/v1/nodes", null).statusCode()).isEqualTo(200);
        assertThat(as(token, "GET", "/api/v1/users", null).statusCode()).isEqualTo(403);

        // bob's only group maps to viewer in 'builders': he sees that organization and not default's nodes
        String bob = json(login("bob", "canwefixit").body()).get("token").asText();
        JsonNode bobs = json(as(bob, "GET", "/api/v1/auth/me", null).body()).get("permissions");
        assertThat(bobs.has("builders")).isTrue();
        assertThat(bobs.has("default")).isFalse();
    }

    @Test
    void manualRolesSurviveASignInWhoseGroupsNoLongerMap() throws Exception {
        String carol = "uid=carol,ou=people," + TestDirectory.BASE;
        directory.server.add("dn: " + carol, "objectClass: inetOrgPerson", "uid: carol", "cn: Carol",
                "sn: C", "userPassword: carols-secret");
        directory.server.add("dn: cn=temp," + TestDirectory.GROUPS, "objectClass: groupOfNames", "cn: temp",
                "member: " + carol);
        assertThat(server.post("/api/v1/auth-sources/" + sourceId + "/mappings",
                "{\"group\":\"temp\",\"role\":\"operator\",\"organization\":\"default\"}").statusCode()).isEqualTo(201);
        assertThat(login("carol", "carols-secret").statusCode()).isEqualTo(200);
        JsonNode user = json(server.get("/api/v1/users").body()).get("items");
        String id = null;
        for (JsonNode u : user) {
            if (u.get("username").asText().equals("carol")) {
                id = u.get("id").asText();
            }
        }
        assertThat(id).isNotNull();
        // an admin grants auditor by hand
        assertThat(server.send(server.request("/api/v1/users/" + id).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(
                        "{\"roles\":[{\"role\":\"auditor\",\"organization\":\"default\"}]}"))).statusCode())
                .isEqualTo(200);
        // carol leaves the temp group in the directory and signs in again: the mapped role goes, the manual stays
        directory.server.modify("dn: cn=temp," + TestDirectory.GROUPS, "changetype: modify", "delete: member",
                "member: " + carol);
        String token = json(login("carol", "carols-secret").body()).get("token").asText();
        JsonNode roles = json(as(token, "GET", "/api/v1/auth/me", null).body()).get("user").get("roles");
        assertThat(roles).hasSize(1);
        assertThat(roles.get(0).get("role").asText()).isEqualTo("auditor");
        assertThat(roles.get(0).get("origin").asText()).isEqualTo("manual");
    }

    @Test
    void theScheduledSyncTakesAMappedRoleFromAUserWhoLeftTheGroupWithoutWaitingForTheirNextSignIn()
            throws Exception {
        String erin = "uid=erin,ou=people," + TestDirectory.BASE;
        directory.server.add("dn: " + erin, "objectClass: inetOrgPerson", "uid: erin", "cn: Erin", "sn: E",
                "userPassword: erins-secret");
        directory.server.add("dn: cn=oncall," + TestDirectory.GROUPS, "objectClass: groupOfNames", "cn: oncall",
                "member: " + erin);
        assertThat(server.post("/api/v1/auth-sources/" + sourceId + "/mappings",
                "{\"group\":\"oncall\",\"role\":\"operator\",\"organization\":\"default\"}").statusCode())
                .isEqualTo(201);
        String token = json(login("erin", "erins-secret").body()).get("token").asText();
        assertThat(as(token, "GET", "/api/v1/nodes", null).statusCode()).isEqualTo(200);

        directory.server.modify("dn: cn=oncall," + TestDirectory.GROUPS, "changetype: modify", "delete: member",
                "member: " + erin);
        server.bean(io.octofleet.server.sources.LdapGroupSync.class).syncAll();
        // the session is still valid, but the role is gone
        assertThat(as(token, "GET", "/api/v1/nodes", null).statusCode()).isEqualTo(403);
    }

    @Test
    void aWrongDirectoryPasswordIsRefusedAndAudited() {
        HttpResponse<String> refused = login("alice", "not-wonderland");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("invalid-credentials");
        assertThat(server.bean(org.jooq.DSLContext.class).fetchCount(AUDIT_LOG,
                AUDIT_LOG.ACTION.eq("login_failed").and(AUDIT_LOG.TARGET.eq("alice")))).isPositive();
    }

    @Test
    void theTestEndpointSaysWhichStepFailedAndWhy() {
        HttpResponse<String> ok = server.post("/api/v1/auth-sources/" + sourceId + "/test", "{\"username\":\"alice\"}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(json(ok.body()).get("ok").asBoolean()).isTrue();
        assertThat(ok.body()).contains(TestDirectory.C);

        HttpResponse<String> missing = server.post("/api/v1/auth-sources/" + sourceId + "/test",
                "{\"username\":\"nobody\"}");
        assertThat(json(missing.body()).get("ok").asBoolean()).isFalse();
        assertThat(json(missing.body()).get("failedStep").asText()).isEqualTo("find_user");

        HttpResponse<String> bad = server.post("/api/v1/auth-sources", "{\"name\":\"broken\",\"type\":\"ldap\","
                + "\"settings\":{\"urls\":[\"http://x\"],\"bindDn\":\"cn=a\",\"bindPassword\":\"p\","
                + "\"userBaseDn\":\"dc=x\"}}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("settings.urls");
    }

    @Test
    void withTheDirectoryDownLocalAccountsStillSignInAndDirectoryUsersGetAClearError() throws Exception {
        TestDirectory other = TestDirectory.start();
        HttpResponse<String> created = server.post("/api/v1/auth-sources", source("branch-ldap", "none",
                other.url().toString(), null).replace("\"name\"", "\"position\":5,\"name\""));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String branch = json(created.body()).get("id").asText();
        try {
            other.server.add("dn: uid=dave,ou=people," + TestDirectory.BASE, "objectClass: inetOrgPerson",
                    "uid: dave", "cn: Dave", "sn: D", "userPassword: daves-secret");
            assertThat(login("dave", "daves-secret").statusCode()).isEqualTo(200);
            other.close();
            directory.server.shutDown(true); // every directory is down now
            HttpResponse<String> down = login("dave", "daves-secret");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).contains("directory-unavailable").contains("local accounts can");
            assertThat(login("admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
        } finally {
            directory.server.startListening();
            server.delete("/api/v1/auth-sources/" + branch);
        }
    }

    @Test
    void ldapsAndStartTlsWithTheDirectorysCaSignIn() throws Exception {
        TestCertificates ca = TestCertificates.newCa("Directory CA");
        for (TestDirectory.Listener mode : new TestDirectory.Listener[] {TestDirectory.Listener.LDAPS,
                TestDirectory.Listener.STARTTLS}) {
            try (TestDirectory tls = TestDirectory.start(mode, ca.serverContext("localhost", true))) {
                String name = "tls-" + mode.name().toLowerCase(java.util.Locale.ROOT);
                HttpResponse<String> created = server.post("/api/v1/auth-sources", source(name,
                        mode == TestDirectory.Listener.LDAPS ? "ldaps" : "starttls", tls.url("localhost").toString(),
                        ca.caPem()).replace("\"name\"", "\"position\":-1,\"name\""));
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                String id = json(created.body()).get("id").asText();
                try {
                    tls.server.add("dn: uid=tess,ou=people," + TestDirectory.BASE, "objectClass: inetOrgPerson",
                            "uid: tess", "cn: Tess", "sn: T", "userPassword: tess-secret");
                    assertThat(server.post("/api/v1/auth-sources/" + id + "/test", "{\"username\":\"tess\"}").body())
                            .contains("\"ok\":true");
                    assertThat(login("tess", "tess-secret").statusCode()).isEqualTo(200);
                } finally {
                    // users of a deleted source go with it, so the next mode creates tess afresh
                    assertThat(server.delete("/api/v1/auth-sources/" + id).statusCode()).isEqualTo(204);
                }
            }
        }
    }

    static HttpResponse<String> login(String username, String password) {
        return server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}")));
    }

    static HttpResponse<String> as(String token, String method, String path, String body) {
        return server.anonymous(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").method(method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
