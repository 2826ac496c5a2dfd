package io.octofleet.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;

import static io.octofleet.server.db.Tables.AUDIT_LOG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The audit log over the real API and database. */
class AuditLogTest {
    static TestServer server;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void loginsSucceededAndFailedAreRecordedWithTheSourceAddress() throws Exception {
        HttpResponse<String> failed = server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"wrong-password\"}")));
        assertThat(failed.statusCode()).isEqualTo(401);
        server.get("/api/v1/nodes"); // logs the admin in

        JsonNode failures = audit("?action=login_failed");
        assertThat(failures.get("total").asInt()).isGreaterThanOrEqualTo(1);
        JsonNode entry = failures.get("items").get(0);
        assertThat(entry.get("actor").asText()).isEqualTo("admin");
        assertThat(entry.get("result").asText()).isEqualTo("failure");
        assertThat(entry.get("sourceAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(entry.get("details").asText()).isEqualTo("wrong password");

        JsonNode logins = audit("?action=login&actor=admin");
        assertThat(logins.get("items").get(0).get("result").asText()).isEqualTo("success");
    }

    @Test
    void everyChangeThroughTheApiIsRecordedWithItsRouteAndOutcomeButReadsAreNot() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        HttpResponse<String> created = server.post("/api/v1/groups",
                "{\"name\": \"audited\", \"kind\": \"static\", \"nodeIds\": []}");
        assertThat(created.statusCode()).isEqualTo(201);
        String id = JSON.readTree(created.body()).get("id").asText();
        assertThat(server.post("/api/v1/groups", "{\"name\": \"\", \"kind\": \"static\"}").statusCode()).isEqualTo(400);
        assertThat(server.delete("/api/v1/groups/" + id).statusCode()).isEqualTo(204);
        server.get("/api/v1/groups");

        JsonNode posts = audit("?action=" + enc("POST /api/v1/groups") + "&from=" + before);
        assertThat(posts.get("total").asInt()).isEqualTo(2);
        JsonNode refused = posts.get("items").get(0);
        assertThat(refused.get("result").asText()).isEqualTo("failure");
        assertThat(refused.get("httpStatus").asInt()).isEqualTo(400);
        assertThat(refused.get("details").asText()).isNotBlank();
        assertThat(posts.get("items").get(1).get("result").asText()).isEqualTo("success");
        assertThat(posts.get("items").get(1).get("actor").asText()).isEqualTo("admin");

        JsonNode deletes = audit("?action=" + enc("DELETE /api/v1/groups/{id}") + "&from=" + before);
        assertThat(deletes.get("items").get(0).get("target").asText()).isEqualTo("/api/v1/groups/" + id);
        assertThat(audit("?action=" + enc("GET /api/v1/groups")).get("total").asInt()).isZero();
    }

    @Test
    void anAnonymousChangeIsRecordedAsRefused() throws Exception {
        server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/jobs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        JsonNode entry = audit("?actor=anonymous").get("items").get(0);
        assertThat(entry.get("action").asText()).isEqualTo("POST /api/v1/jobs");
        assertThat(entry.get("httpStatus").asInt()).isEqualTo(401);
    }

    @Test
    void theDatabaseRefusesToAlterOrDeleteEntriesOutsideRetention() {
        DSLContext dsl = server.bean(DSLContext.class);
        server.get("/api/v1/nodes");
        assertThatThrownBy(() -> dsl.update(AUDIT_LOG).set(AUDIT_LOG.ACTOR, "mallory").execute())
                .isInstanceOf(DataAccessException.class).hasMessageContaining("append-only");
        assertThatThrownBy(() -> dsl.deleteFrom(AUDIT_LOG).execute())
                .isInstanceOf(DataAccessException.class).hasMessageContaining("append-only");
        assertThatThrownBy(() -> dsl.truncate(AUDIT_LOG).execute())
                .isInstanceOf(DataAccessException.class).hasMessageContaining("append-only");
    }

    @Test
    void badFiltersAreRefused() {
        HttpResponse<String> r = server.get("/api/v1/audit?from=yesterday");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("ISO-8601");
    }

    private static JsonNode audit(String query) throws Exception {
        HttpResponse<String> r = server.get("/api/v1/audit" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String enc(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
    }
}
