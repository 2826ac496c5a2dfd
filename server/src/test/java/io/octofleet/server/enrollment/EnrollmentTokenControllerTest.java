package io.octofleet.server.enrollment;

import io.octofleet.server.TestServer;
import io.octofleet.server.agents.AgentGrpcServer;
import io.octofleet.server.pki.CertificateAuthority;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class EnrollmentTokenControllerTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void createReturnsSecretPinAndPasteableJoinCommand() {
        HttpResponse<String> response = server.post("/api/v1/enrollment-tokens", "{\"ttlSeconds\": 3600, \"maxUses\": 1}");
        assertThat(response.statusCode()).isEqualTo(201);
        String body = response.body();
        String pin = server.bean(CertificateAuthority.class).pin();
        int port = server.bean(AgentGrpcServer.class).port();
        assertThat(body).contains("\"caPin\":\"" + pin + "\"").contains("\"expiresAt\"").contains("\"id\"");
        Matcher command = Pattern.compile("\"joinCommand\":\"([^\"]+)\"").matcher(body);
        assertThat(command.find()).isTrue();
        assertThat(command.group(1))
                .startsWith("java -jar octofleet-agent.jar run --join octofleet://oft_")
                .endsWith("@127.0.0.1:" + port + "/" + pin)
                .doesNotContain("'", "\"", "&", ";", "$", "|", "`");
    }

    @Test
    void bodyIsOptionalAndDefaultsToOneUseForOneHour() {
        HttpResponse<String> response = server.send(server.request("/api/v1/enrollment-tokens")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(response.body()).contains("\"maxUses\":1");
    }

    @Test
    void listShowsTokensWithoutSecrets() {
        String created = server.post("/api/v1/enrollment-tokens", "{}").body();
        String secret = created.replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
        String list = server.get("/api/v1/enrollment-tokens").body();
        assertThat(list).contains("\"state\":\"active\"").contains("\"createdBy\":\"admin\"").doesNotContain(secret);
    }

    @Test
    void invalidRequestsAreRefusedAndCreateNothing() {
        int before = count();
        for (String body : new String[] {"{\"ttlSeconds\": 5}", "{\"maxUses\": 0}", "{\"ttlSeconds\": \"soon\"}", "[1,2]"}) {
            HttpResponse<String> response = server.post("/api/v1/enrollment-tokens", body);
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        }
        assertThat(count()).isEqualTo(before);
    }

    @Test
    void revokeMarksTokenRevokedAndUnknownIdsAreNotFound() {
        String created = server.post("/api/v1/enrollment-tokens", "{}").body();
        String id = created.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
        assertThat(server.delete("/api/v1/enrollment-tokens/" + id).statusCode()).isEqualTo(204);
        assertThat(server.get("/api/v1/enrollment-tokens").body()).contains("\"state\":\"revoked\"");
        assertThat(server.delete("/api/v1/enrollment-tokens/" + UUID.randomUUID()).statusCode()).isEqualTo(404);
        assertThat(server.delete("/api/v1/enrollment-tokens/not-a-uuid").statusCode()).isEqualTo(400);
    }

    private static int count() {
        String body = server.get("/api/v1/enrollment-tokens").body();
        return Integer.parseInt(body.replaceAll(".*\"total\":(\\d+).*", "$1"));
    }
}
