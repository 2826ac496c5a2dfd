package io.octofleet.server.oidc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.octofleet.server.db.Tables.OPERATORS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Single sign-on through the real server's endpoints, driven by an HTTP client playing the browser: the full
 * authorization-code + PKCE flow against NAV's mock-oauth2-server, and the attacks (tampered state, wrong nonce,
 * expired or wrongly signed ID token) against {@link InProcessOidcProvider}, whose knobs make it misbehave.
 */
class OidcSignInTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final HttpClient BROWSER = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(TIMEOUT).build();
    static TestServer server;
    static MockOAuth2Server mock;
    static InProcessOidcProvider rogue;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("octofleet.auth.lockout-failures", "100",
                "octofleet.auth.rate-limit-failures", "1000"));
        mock = new MockOAuth2Server();
        mock.start(InetAddress.getLoopbackAddress(), 0);
        rogue = new InProcessOidcProvider("octofleet", "rogue-secret");
        source("corp-sso", mock.issuerUrl("fleet").uri(), "s3cret", ",\"acceptAccessTokens\":true,"
                + "\"accessTokenAudience\":\"octofleet-api\"");
        source("rogue-sso", rogue.issuer(), "rogue-secret", "");
        for (String source : List.of("corp-sso", "rogue-sso")) {
            String id = json(server.get("/api/v1/auth-sources/" + source).body()).get("id").asText();
            assertThat(server.post("/api/v1/auth-sources/" + id + "/mappings",
                    "{\"group\":\"fleet-admins\",\"role\":\"operator\",\"organization\":\"default\"}").statusCode())
                    .isEqualTo(201);
        }
    }

    static void source(String name, URI issuer, String secret, String extra) {
        HttpResponse<String> created = server.post("/api/v1/auth-sources", "{\"name\":\"" + name
                + "\",\"type\":\"oidc\",\"settings\":{\"issuer\":\"" + issuer + "\",\"clientId\":\"octofleet\","
                + "\"clientSecret\":\"" + secret + "\",\"redirectUri\":\""
                + server.uri("/api/v1/auth/oidc/" + name + "/callback") + "\",\"groupsClaim\":\"groups\"" + extra + "}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).doesNotContain(secret);
    }

    @AfterAll
    static void stop() {
        rogue.close();
        mock.shutdown();
        server.close();
    }

    @BeforeEach
    void resetRogue() {
        rogue.forgeWith = null;
        rogue.nonceOverride = null;
        rogue.idTokenLifetime = Duration.ofMinutes(5);
    }

    @Test
    void theCodeFlowWithPkceSignsInAJustInTimeUserWithTheRoleFromTheGroupsClaim() throws Exception {
        mock.enqueueCallback(new DefaultOAuth2TokenCallback("fleet", "u-2002", "JWT", List.of("octofleet"),
                Map.of("preferred_username", "sso-bob", "name", "Bob SSO", "groups", List.of("fleet-admins")), 300));
        HttpResponse<String> login = send(server.uri("/api/v1/auth/oidc/corp-sso/login?returnTo=/nodes"), null);
        assertThat(login.statusCode()).isEqualTo(302);
        URI authorize = URI.create(login.headers().firstValue("Location").orElseThrow());
        assertThat(authorize.getQuery()).contains("code_challenge_method=S256").contains("nonce=")
                .contains("state=");

        URI callback = URI.create(send(authorize, null).headers().firstValue("Location").orElseThrow());
        assertThat(callback.getPath()).isEqualTo("/api/v1/auth/oidc/corp-sso/callback");
        HttpResponse<String> done = send(callback, "application/json");
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        String token = json(done.body()).get("token").asText();

        JsonNode me = json(as(token, "/api/v1/auth/me").body());
        assertThat(me.get("user").get("username").asText()).isEqualTo("sso-bob");
        assertThat(me.get("user").get("source").asText()).isEqualTo("corp-sso");
        assertThat(me.get("permissions").get("default").toString()).contains("jobs:run");
        // the same callback cannot be used twice
        assertThat(send(callback, "application/json").statusCode()).isEqualTo(401);

        // logout ends the session here and says where to end the provider's
        HttpResponse<String> logout = server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/auth/logout"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(logout.statusCode()).isIn(200, 204);
        if (logout.statusCode() == 200) {
            assertThat(json(logout.body()).get("providerLogoutUrl").asText()).contains("client_id=octofleet");
        }
        assertThat(as(token, "/api/v1/auth/me").statusCode()).isEqualTo(401);
    }

    @Test
    void aBrowserGetsTheSessionInTheFragmentOfTheReturnPath() throws Exception {
        mock.enqueueCallback(new DefaultOAuth2TokenCallback("fleet", "u-3003", "JWT", List.of("octofleet"),
                Map.of("preferred_username", "sso-carla", "groups", List.of("fleet-admins")), 300));
        URI authorize = URI.create(send(server.uri("/api/v1/auth/oidc/corp-sso/login?returnTo=/jobs"), null)
                .headers().firstValue("Location").orElseThrow());
        URI callback = URI.create(send(authorize, null).headers().firstValue("Location").orElseThrow());
        // what a browser sends: HTML first, then anything (*/*), which must not be taken as asking for JSON
        HttpResponse<String> done = send(callback, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        assertThat(done.statusCode()).as(done.body()).isEqualTo(302);
        String location = done.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/jobs#session=ofs_");
        String token = URLDecoder.decode(location.replaceAll(".*#session=([^&]+).*", "$1"), StandardCharsets.UTF_8);
        assertThat(as(token, "/api/v1/nodes").statusCode()).isEqualTo(200);
        // and only paths on this server are accepted as a way back
        assertThat(send(server.uri("/api/v1/auth/oidc/corp-sso/login?returnTo=//evil.example"), null).statusCode())
                .isEqualTo(400);
    }

    @Test
    void aProvidersAccessTokenWorksAsABearerTokenWhenTheSourceAllowsIt() {
        String ours = mock.issueToken("fleet", "deployer", new DefaultOAuth2TokenCallback("fleet", "svc-9", "JWT",
                List.of("octofleet-api"), Map.of("preferred_username", "deployer", "groups",
                List.of("fleet-admins")), 300)).serialize();
        String otherAudience = mock.issueToken("fleet", "deployer", new DefaultOAuth2TokenCallback("fleet", "svc-9",
                "JWT", List.of("another-api"), Map.of("groups", List.of("fleet-admins")), 300)).serialize();
        assertThat(as(ours, "/api/v1/jobs").statusCode()).isEqualTo(200);
        assertThat(as(otherAudience, "/api/v1/jobs").statusCode()).isEqualTo(401);
        // rogue-sso does not accept access tokens: one of its tokens is not a way in
        assertThat(as(rogue.accessToken("octofleet", Duration.ofMinutes(5), null), "/api/v1/jobs").statusCode())
                .isEqualTo(401);
    }

    @Test
    void aTamperedStateIsRefusedAndCreatesNothing() throws Exception {
        URI callback = rogueCallback();
        URI tampered = URI.create(callback.toString().replace("state=", "state=x"));
        HttpResponse<String> refused = send(tampered, "application/json");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("login state");
        assertRogueUserNotCreated();
    }

    @Test
    void aWrongNonceIsRefused() throws Exception {
        rogue.nonceOverride = "replayed-nonce";
        HttpResponse<String> refused = send(rogueCallback(), "application/json");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("nonce");
        assertRogueUserNotCreated();
    }

    @Test
    void anExpiredIdTokenIsRefused() throws Exception {
        rogue.idTokenLifetime = Duration.ofMinutes(-5);
        HttpResponse<String> refused = send(rogueCallback(), "application/json");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("Expired");
        assertRogueUserNotCreated();
    }

    @Test
    void anIdTokenSignedByAnotherKeyIsRefused() throws Exception {
        rogue.forgeWith = InProcessOidcProvider.newKey();
        HttpResponse<String> refused = send(rogueCallback(), "application/json");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("ID token refused");
        assertRogueUserNotCreated();
    }

    @Test
    void theRogueProviderWorksWhenItBehaves() throws Exception {
        HttpResponse<String> done = send(rogueCallback(), "application/json");
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        // its users are keyed by subject within the source, so the name alice is free for others
        assertThat(json(as(json(done.body()).get("token").asText(), "/api/v1/auth/me").body())
                .get("user").get("source").asText()).isEqualTo("rogue-sso");
        server.bean(DSLContext.class).deleteFrom(OPERATORS).where(OPERATORS.USERNAME.eq("alice")).execute();
    }

    private static URI rogueCallback() throws Exception {
        URI authorize = URI.create(send(server.uri("/api/v1/auth/oidc/rogue-sso/login"), null)
                .headers().firstValue("Location").orElseThrow());
        return URI.create(send(authorize, null).headers().firstValue("Location").orElseThrow());
    }

    private static void assertRogueUserNotCreated() {
        assertThat(server.bean(DSLContext.class).fetchCount(OPERATORS, OPERATORS.USERNAME.eq("alice"))).isZero();
    }

    private static HttpResponse<String> send(URI uri, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT);
        if (accept != null) {
            request.header("Accept", accept);
        }
        return BROWSER.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> as(String token, String path) {
        return server.anonymous(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + token));
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
