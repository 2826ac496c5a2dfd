package io.octofleet.server.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the server hands out the dashboard (the octofleet-ui jar on the classpath, as a normal build packages it):
 * browsers get the entry page at / and at any page path, scripts keep their JSON, the API keeps its problems.
 */
class DashboardServingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> anonymous(String path, String accept) {
        return server.anonymous(HttpRequest.newBuilder(server.uri(path)).header("Accept", accept).GET());
    }

    static void assumeDashboardBuilt() {
        Assumptions.assumeTrue(DashboardServingTest.class.getClassLoader().getResource("public/index.html") != null,
                "built with -Dskip.ui: no dashboard on the classpath");
    }

    @Test
    void aBrowserGetsTheEntryPageAtTheRootAndAtEveryPagePathWithStrictHeaders() {
        assumeDashboardBuilt();
        for (String path : new String[]{"/", "/nodes", "/jobs/0b6f3f0e-1111-4a2b-9c3d-000000000001?node=x", "/admin/users"}) {
            HttpResponse<String> page = anonymous(path, "text/html,application/xhtml+xml,*/*;q=0.8");
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            assertThat(page.body()).as(path).contains("<div id=\"root\"></div>");
            assertThat(page.headers().firstValue("Content-Type")).get().asString().startsWith("text/html");
            assertThat(page.headers().firstValue("Cache-Control")).contains("no-cache");
            assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString()
                    .contains("script-src 'self'").contains("frame-ancestors 'none'");
            assertThat(page.headers().firstValue("X-Frame-Options")).contains("DENY");
            assertThat(page.headers().firstValue("Referrer-Policy")).contains("no-referrer");
        }
    }

    @Test
    void theBundlesTheEntryPageNamesAreServedAndCachedForAYear() {
        assumeDashboardBuilt();
        String html = anonymous("/", "text/html").body();
        Matcher script = Pattern.compile("src=\"(/assets/[^\"]+\\.js)\"").matcher(html);
        assertThat(script.find()).as(html).isTrue();
        HttpResponse<String> bundle = anonymous(script.group(1), "*/*");
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.headers().firstValue("Content-Type")).get().asString().contains("javascript");
        assertThat(bundle.headers().firstValue("Cache-Control")).contains("public, max-age=31536000, immutable");
    }

    @Test
    void scriptsGetTheJsonIndexAndUnknownPathsStayProblems() throws Exception {
        JsonNode index = JSON.readTree(anonymous("/", "*/*").body());
        assertThat(index.get("api").asText()).isEqualTo("/api/v1");
        assertThat(index.get("dashboard").asText()).isNotBlank();

        HttpResponse<String> api = anonymous("/api/v1/no-such-thing", "text/html");
        assertThat(api.statusCode()).as("the API's shape is not for strangers").isEqualTo(401);
        assertThat(api.headers().firstValue("Content-Type")).get().asString().contains("problem+json");
        HttpResponse<String> signedIn = server.send(server.request("/api/v1/no-such-thing").header("Accept", "text/html"));
        assertThat(signedIn.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(signedIn.body()).get("type").asText()).endsWith("/not-found");

        HttpResponse<String> file = anonymous("/favicon.ico", "text/html");
        assertThat(file.statusCode()).as("a missing file is not a page").isEqualTo(404);
        HttpResponse<String> curl = anonymous("/nodes", "*/*");
        assertThat(curl.statusCode()).as("a page path without asking for HTML").isEqualTo(404);
        HttpResponse<String> post = server.anonymous(HttpRequest.newBuilder(server.uri("/nodes"))
                .header("Accept", "text/html").POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(post.statusCode()).isEqualTo(404);
    }

    @Test
    void theLoginPageLearnsTheEnabledSingleSignOnProvidersWithoutSigningIn() throws Exception {
        String oidc = "{\"name\":\"%s\",\"type\":\"oidc\",\"enabled\":%s,\"position\":%d,\"settings\":{"
                + "\"issuer\":\"http://127.0.0.1:1/realms/x\",\"clientId\":\"octofleet\","
                + "\"redirectUri\":\"http://127.0.0.1/api/v1/auth/oidc/%s/callback\"%s}}";
        assertThat(server.post("/api/v1/auth-sources", oidc.formatted("keycloak", true, 20, "keycloak",
                ",\"displayName\":\"Corporate SSO\"")).statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/auth-sources", oidc.formatted("entra", true, 10, "entra", ""))
                .statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/auth-sources", oidc.formatted("retired", false, 5, "retired", ""))
                .statusCode()).isEqualTo(201);

        HttpResponse<String> providers = anonymous("/api/v1/auth/providers", "application/json");
        assertThat(providers.statusCode()).isEqualTo(200);
        JsonNode items = JSON.readTree(providers.body()).get("items");
        assertThat(items).hasSize(2);
        assertThat(items.get(0).get("name").asText()).isEqualTo("entra");
        assertThat(items.get(0).get("displayName").asText()).isEqualTo("entra");
        assertThat(items.get(0).get("loginUrl").asText()).isEqualTo("/api/v1/auth/oidc/entra/login");
        assertThat(items.get(1).get("displayName").asText()).isEqualTo("Corporate SSO");
        assertThat(providers.body()).doesNotContain("issuer").doesNotContain("clientId");
    }
}
