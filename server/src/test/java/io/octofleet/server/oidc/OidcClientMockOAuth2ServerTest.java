package io.octofleet.server.oidc;

import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The same client against a provider we did not write (NAV's mock-oauth2-server), so a misreading of the spec
 * shared by {@link OidcClient} and {@link InProcessOidcProvider} would show up here.
 */
class OidcClientMockOAuth2ServerTest {

    private static final URI CALLBACK = URI.create("https://fleet.example.org/auth/oidc/callback");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final MockOAuth2Server server = new MockOAuth2Server();
    private OidcProviderSettings settings;

    @BeforeEach
    void start() throws Exception {
        server.start(InetAddress.getLoopbackAddress(), 0);
        settings = OidcProviderSettings.of(server.issuerUrl("fleet").uri(), "octofleet", "s3cret", CALLBACK)
                .withTimeouts(TIMEOUT, TIMEOUT)
                .withAccessTokens("octofleet-api");
    }

    @AfterEach
    void stop() {
        server.shutdown();
    }

    @Test
    void codeFlowWithPkce_returnsIdentityWithGroups() throws Exception {
        server.enqueueCallback(new DefaultOAuth2TokenCallback("fleet", "u-2002", "JWT", List.of("octofleet"),
                Map.of("preferred_username", "bob", "groups", List.of("fleet-admins")), 300));
        OidcClient client = OidcClient.connect(settings);
        LoginStart start = client.begin();

        OidcIdentity identity = client.complete(start, authorize(start));

        assertThat(identity.subject()).isEqualTo("u-2002");
        assertThat(identity.username()).isEqualTo("bob");
        assertThat(identity.groups()).containsExactly("fleet-admins");
    }

    @Test
    void tamperedState_isRefused() throws Exception {
        OidcClient client = OidcClient.connect(settings);
        LoginStart start = client.begin();
        URI tampered = URI.create(authorize(start).toString().replace("state=", "state=x"));

        assertThatThrownBy(() -> client.complete(start, tampered)).hasMessageContaining("state mismatch");
    }

    @Test
    void accessToken_isAcceptedForOurAudienceOnly() throws Exception {
        OidcClient client = OidcClient.connect(settings);
        String ours = server.issueToken("fleet", "deployer", new DefaultOAuth2TokenCallback("fleet", "svc-1", "JWT",
                List.of("octofleet-api"), Map.of("groups", List.of("automation")), 300)).serialize();
        String theirs = server.issueToken("fleet", "deployer", new DefaultOAuth2TokenCallback("fleet", "svc-1", "JWT",
                List.of("another-api"), Map.of(), 300)).serialize();

        assertThat(client.validateAccessToken(ours).groups()).containsExactly("automation");
        assertThatThrownBy(() -> client.validateAccessToken(theirs)).hasMessageContaining("aud claim rejected");
    }

    private URI authorize(LoginStart start) throws Exception {
        HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(TIMEOUT).build();
        HttpResponse<Void> response = browser.send(HttpRequest.newBuilder(start.authorizationUri()).timeout(TIMEOUT)
                .build(), HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).isEqualTo(302);
        return URI.create(response.headers().firstValue("Location").orElseThrow());
    }
}
