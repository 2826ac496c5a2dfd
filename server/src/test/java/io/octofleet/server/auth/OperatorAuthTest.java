package io.octofleet.server.auth;

import io.octofleet.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Login and the bearer filter against the real server and database. */
class OperatorAuthTest {
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
    void apiWithoutTokenIsUnauthorizedProblem() {
        HttpResponse<String> response = server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/nodes")));
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(response.body()).contains("https://octofleet.io/problems/unauthorized");
    }

    @Test
    void unknownApiPathIsStillUnauthorizedWithoutToken() {
        HttpResponse<String> response = server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/nope")));
        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void forgedTokenIsRejected() {
        HttpResponse<String> response = server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/nodes"))
                .header("Authorization", "Bearer ofs_forged"));
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("invalid, expired or revoked");
    }

    @Test
    void wrongPasswordIsRefused() {
        HttpResponse<String> response = login("admin", "not-the-password");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("invalid-credentials");
        assertThat(login("nobody", "whatever").statusCode()).isEqualTo(401);
    }

    @Test
    void emptyLoginIsBadRequest() {
        assertThat(login("", "").statusCode()).isEqualTo(400);
        HttpResponse<String> garbage = server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/auth/login"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{not json")));
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.body()).contains("invalid-request");
    }

    @Test
    void loginTokenOpensTheApiUntilLogout() {
        HttpResponse<String> login = login("admin", TestServer.ADMIN_PASSWORD);
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.body()).contains("\"expiresAt\"");
        String token = login.body().replaceAll(".*\"token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        assertThat(token).startsWith("ofs_");
        HttpRequest.Builder nodes = HttpRequest.newBuilder(server.uri("/api/v1/nodes")).header("Authorization", "Bearer " + token);
        assertThat(server.anonymous(nodes).statusCode()).isEqualTo(200);

        server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/auth/logout"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(server.anonymous(nodes).statusCode()).isEqualTo(401);
    }

    @Test
    void configuredAdminPasswordIsNotWrittenToDisk() {
        assertThat(Files.exists(server.home().resolve(AdminBootstrap.PASSWORD_FILE))).isFalse();
    }

    @Test
    void healthIsUpWithoutAuthentication() {
        HttpResponse<String> response = server.anonymous(HttpRequest.newBuilder(server.uri("/health")));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"status\":\"UP\"");
    }

    @Test
    void rootTellsWhereTheApiIsWithoutAuthentication() {
        HttpResponse<String> response = server.anonymous(HttpRequest.newBuilder(server.uri("/")));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"api\":\"/api/v1\"").contains("\"health\":\"/health\"");
    }

    private static HttpResponse<String> login(String user, String password) {
        return server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}")));
    }
}
