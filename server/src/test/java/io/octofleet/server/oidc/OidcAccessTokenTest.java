package io.octofleet.server.oidc;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OidcAccessTokenTest {

    private static final URI CALLBACK = URI.create("https://fleet.example.org/auth/oidc/callback");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

    private InProcessOidcProvider provider;
    private OidcClient client;

    @BeforeEach
    void start() throws Exception {
        provider = new InProcessOidcProvider("octofleet", "s3cret");
        client = OidcClient.connect(OidcProviderSettings.of(provider.issuer(), "octofleet", "s3cret", CALLBACK)
                .withTimeouts(TIMEOUT, TIMEOUT)
                .withAccessTokens("octofleet-api"));
    }

    @AfterEach
    void stop() {
        provider.close();
    }

    @Test
    void tokenForOurAudience_isAccepted() throws Exception {
        OidcIdentity identity = client.validateAccessToken(provider.accessToken("octofleet-api", FIVE_MINUTES, null));

        assertThat(identity.subject()).isEqualTo("svc-deployer");
        assertThat(identity.username()).isEqualTo("deployer");
        assertThat(identity.groups()).containsExactly("automation");
    }

    @Test
    void tokenForAnotherAudience_isRefused() {
        String token = provider.accessToken("some-other-api", FIVE_MINUTES, null);

        assertThatThrownBy(() -> client.validateAccessToken(token))
                .isInstanceOf(OidcLoginException.class)
                .hasMessageStartingWith("access token refused")
                .hasMessageContaining("expected audience octofleet-api");
    }

    @Test
    void expiredToken_isRefused() {
        String token = provider.accessToken("octofleet-api", Duration.ofMinutes(-5), null);

        assertThatThrownBy(() -> client.validateAccessToken(token)).hasMessageContaining("Expired");
    }

    @Test
    void tokenSignedByAnotherKey_isRefused() {
        String token = provider.accessToken("octofleet-api", FIVE_MINUTES, InProcessOidcProvider.newKey());

        assertThatThrownBy(() -> client.validateAccessToken(token)).hasMessageStartingWith("access token refused");
    }

    @Test
    void tokenAfterKeyRotation_isAccepted() throws Exception {
        client.validateAccessToken(provider.accessToken("octofleet-api", FIVE_MINUTES, null));
        provider.rotateKey();

        assertThat(client.validateAccessToken(provider.accessToken("octofleet-api", FIVE_MINUTES, null)).subject())
                .isEqualTo("svc-deployer");
    }

    @Test
    void garbage_isRefusedAsNotAJwt() {
        assertThatThrownBy(() -> client.validateAccessToken("not-a-jwt")).hasMessage("access token is not a JWT");
    }

    @Test
    void idToken_isNotAnAccessToken() throws Exception {
        var loginClient = OidcClient.connect(OidcProviderSettings.of(provider.issuer(), "octofleet", "s3cret", CALLBACK)
                .withTimeouts(TIMEOUT, TIMEOUT).withAccessTokens(null));
        // an ID token has the client id as audience and a nonce
        String idToken = idTokenFromALogin(loginClient);

        assertThatThrownBy(() -> loginClient.validateAccessToken(idToken))
                .hasMessageStartingWith("access token refused")
                .hasMessageContaining("nonce");
    }

    @Test
    void accessTokens_areRefusedWhenNotEnabled() throws Exception {
        var loginOnly = OidcClient.connect(OidcProviderSettings.of(provider.issuer(), "octofleet", "s3cret", CALLBACK)
                .withTimeouts(TIMEOUT, TIMEOUT));
        String token = provider.accessToken("octofleet", FIVE_MINUTES, null);

        assertThatThrownBy(() -> loginOnly.validateAccessToken(token)).hasMessageContaining("not accepted");
    }

    /** Mints an ID token the way the provider does for a login, by redeeming a code by hand. */
    private String idTokenFromALogin(OidcClient loginClient) throws Exception {
        LoginStart start = loginClient.begin();
        var http = java.net.http.HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        var redirect = http.send(java.net.http.HttpRequest.newBuilder(start.authorizationUri()).timeout(TIMEOUT)
                .build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        String code = com.nimbusds.oauth2.sdk.util.URLUtils.parseParameters(
                URI.create(redirect.headers().firstValue("Location").orElseThrow()).getRawQuery()).get("code").get(0);
        var request = new com.nimbusds.oauth2.sdk.TokenRequest(
                URI.create(provider.issuer() + "/token"),
                new com.nimbusds.oauth2.sdk.auth.ClientSecretBasic(new com.nimbusds.oauth2.sdk.id.ClientID("octofleet"),
                        new com.nimbusds.oauth2.sdk.auth.Secret("s3cret")),
                new com.nimbusds.oauth2.sdk.AuthorizationCodeGrant(new com.nimbusds.oauth2.sdk.AuthorizationCode(code),
                        CALLBACK, start.verifier()));
        var httpRequest = request.toHTTPRequest();
        httpRequest.setConnectTimeout(5000);
        httpRequest.setReadTimeout(5000);
        var response = com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser.parse(httpRequest.send());
        return ((com.nimbusds.openid.connect.sdk.OIDCTokenResponse) response.toSuccessResponse())
                .getOIDCTokens().getIDTokenString();
    }
}
