package io.octofleet.server.oidc;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OidcClientTest {

    private static final URI CALLBACK = URI.create("https://fleet.example.org/auth/oidc/callback");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient browser = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(TIMEOUT)
            .build();
    private InProcessOidcProvider provider;
    private OidcProviderSettings settings;

    @BeforeEach
    void startProvider() throws Exception {
        provider = new InProcessOidcProvider("octofleet", "s3cret:with/odd chars");
        settings = OidcProviderSettings.of(provider.issuer(), "octofleet", "s3cret:with/odd chars", CALLBACK)
                .withTimeouts(TIMEOUT, TIMEOUT);
    }

    @AfterEach
    void stopProvider() {
        provider.close();
    }

    /** What a browser does: GET the authorization URI and return where the provider redirects it. */
    private URI authorize(LoginStart start) throws Exception {
        HttpResponse<Void> response = browser.send(
                HttpRequest.newBuilder(start.authorizationUri()).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).as("authorize redirects back").isEqualTo(302);
        URI callback = URI.create(response.headers().firstValue("Location").orElseThrow());
        assertThat(callback.toString()).startsWith(CALLBACK.toString());
        return callback;
    }

    private OidcIdentity login(OidcClient client) throws Exception {
        LoginStart start = client.begin();
        return client.complete(start, authorize(start));
    }

    @Test
    void codeFlowWithPkce_returnsIdentityWithGroupsFromIdToken() throws Exception {
        OidcClient client = OidcClient.connect(settings);
        LoginStart start = client.begin();

        assertThat(start.authorizationUri().getQuery())
                .contains("code_challenge_method=S256", "response_type=code", "scope=openid+profile+email")
                .doesNotContain(start.verifier().getValue());

        OidcIdentity identity = client.complete(start, authorize(start));

        assertThat(identity.subject()).isEqualTo(InProcessOidcProvider.SUBJECT);
        assertThat(identity.username()).isEqualTo("alice");
        assertThat(identity.email()).isEqualTo("alice@example.org");
        assertThat(identity.name()).isEqualTo("Alice Example");
        assertThat(identity.groups()).containsExactlyInAnyOrder("fleet-admins", "ops");
        assertThat(identity.expiresAt()).isAfter(Instant.now());
    }

    @Test
    void groupsMissingFromIdToken_areReadFromUserinfo() throws Exception {
        provider.groupsInIdToken = false;

        OidcIdentity identity = login(OidcClient.connect(settings));

        assertThat(identity.groups()).containsExactlyInAnyOrder("fleet-admins", "ops");
    }

    @Test
    void groupsAreReadOnlyFromTheConfiguredClaim() throws Exception {
        OidcIdentity identity = login(OidcClient.connect(settings.withGroupsClaim("roles")));

        assertThat(identity.groups()).isEmpty();
    }

    @Test
    void publicClient_logsInWithPkceAlone() throws Exception {
        try (var publicProvider = new InProcessOidcProvider("octofleet-cli", null)) {
            var client = OidcClient.connect(OidcProviderSettings.of(publicProvider.issuer(), "octofleet-cli", null,
                    CALLBACK).withTimeouts(TIMEOUT, TIMEOUT));

            assertThat(login(client).subject()).isEqualTo(InProcessOidcProvider.SUBJECT);
        }
    }

    @Test
    void tamperedState_isRefused() throws Exception {
        OidcClient client = OidcClient.connect(settings);
        LoginStart start = client.begin();
        URI callback = authorize(start);
        URI tampered = URI.create(callback.toString().replace("state=", "state=x"));

        assertThatThrownBy(() -> client.complete(start, tampered))
                .isInstanceOf(OidcLoginException.class)
                .hasMessageContaining("state mismatch");
    }

    @Test
    void callbackOfAnotherLogin_isRefused() throws Exception {
        OidcClient client = OidcClient.connect(settings);
        LoginStart mine = client.begin();
        URI theirs = authorize(client.begin());

        assertThatThrownBy(() -> client.complete(mine, theirs)).hasMessageContaining("state mismatch");
    }

    @Test
    void wrongNonce_isRefused() throws Exception {
        provider.nonceOverride = "replayed-nonce";

        assertThatThrownBy(() -> login(OidcClient.connect(settings)))
                .isInstanceOf(OidcLoginException.class)
                .hasMessageStartingWith("ID token refused")
                .hasMessageContaining("nonce");
    }

    @Test
    void expiredIdToken_isRefused() throws Exception {
        provider.idTokenLifetime = Duration.ofMinutes(-5); // beyond the default 60 s skew

        assertThatThrownBy(() -> login(OidcClient.connect(settings)))
                .isInstanceOf(OidcLoginException.class)
                .hasMessageStartingWith("ID token refused")
                .hasMessageContaining("Expired");
    }

    @Test
    void idTokenSignedByAnotherKey_isRefused() throws Exception {
        provider.forgeWith = InProcessOidcProvider.newKey();

        assertThatThrownBy(() -> login(OidcClient.connect(settings)))
                .isInstanceOf(OidcLoginException.class)
                .hasMessageStartingWith("ID token refused");
    }

    @Test
    void idTokenSignedByAnotherKeyWithThePublishedKeyId_isRefused() throws Exception {
        var impostor = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048)
                .keyID(provider.currentKey().getKeyID()).generate();
        provider.forgeWith = impostor;

        assertThatThrownBy(() -> login(OidcClient.connect(settings)))
                .hasMessageStartingWith("ID token refused");
    }

    @Test
    void keyRotation_nextLoginStillWorks() throws Exception {
        OidcClient client = OidcClient.connect(settings);
        login(client);
        int fetchesBefore = provider.jwksFetches();

        provider.rotateKey();

        assertThat(login(client).subject()).isEqualTo(InProcessOidcProvider.SUBJECT);
        assertThat(provider.jwksFetches()).as("unknown kid refetches the JWKS").isEqualTo(fetchesBefore + 1);
    }

    @Test
    void cachedKeys_areNotRefetchedForEveryLogin() throws Exception {
        OidcClient client = OidcClient.connect(settings);
        login(client);
        login(client);
        login(client);

        assertThat(provider.jwksFetches()).isEqualTo(1);
    }

    @Test
    void wrongPkceVerifier_isRefusedByTheProvider() throws Exception {
        OidcClient client = OidcClient.connect(settings);
        LoginStart start = client.begin();
        URI callback = authorize(start);
        LoginStart withOtherVerifier = new LoginStart(start.authorizationUri(), start.state(), start.nonce(),
                new com.nimbusds.oauth2.sdk.pkce.CodeVerifier());

        assertThatThrownBy(() -> client.complete(withOtherVerifier, callback))
                .hasMessage("OIDC token endpoint refused the code: invalid_grant (PKCE verification failed)");
    }

    @Test
    void replayedCallback_isRefused() throws Exception {
        OidcClient client = OidcClient.connect(settings);
        LoginStart start = client.begin();
        URI callback = authorize(start);
        client.complete(start, callback);

        assertThatThrownBy(() -> client.complete(start, callback))
                .hasMessageContaining("OIDC token endpoint refused the code: invalid_grant");
    }

    @Test
    void wrongClientSecret_isReportedReadably() throws Exception {
        OidcClient client = OidcClient.connect(OidcProviderSettings.of(provider.issuer(), "octofleet", "wrong",
                CALLBACK).withTimeouts(TIMEOUT, TIMEOUT));

        assertThatThrownBy(() -> login(client))
                .hasMessageStartingWith("OIDC token endpoint refused the code: invalid_client");
    }

    @Test
    void errorFromProvider_isReportedWithItsCode() throws Exception {
        OidcClient client = OidcClient.connect(settings);
        LoginStart start = client.begin();
        URI denied = URI.create(CALLBACK + "?error=access_denied&error_description=user+cancelled&state="
                + start.state().getValue());

        assertThatThrownBy(() -> client.complete(start, denied))
                .hasMessage("OIDC provider refused the login: access_denied (user cancelled)");
    }

    @Test
    void pendingLogin_survivesBeingStoredAsStrings() throws Exception {
        OidcClient client = OidcClient.connect(settings);
        LoginStart start = client.begin();
        LoginStart restored = LoginStart.of(start.authorizationUri().toString(), start.state().getValue(),
                start.nonce().getValue(), start.verifier().getValue());

        assertThat(client.complete(restored, authorize(start)).username()).isEqualTo("alice");
        assertThat(start.toString()).doesNotContain(start.verifier().getValue());
    }

    @Test
    void pendingLogin_isJavaSerialisable() throws Exception {
        LoginStart start = OidcClient.connect(settings).begin();
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(start);
        }
        try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(start);
        }
    }

    @Test
    void discovery_ofUnreachableProvider_failsWithReason() throws Exception {
        int closedPort;
        try (var socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        var unreachable = OidcProviderSettings.of(URI.create("http://127.0.0.1:" + closedPort), "octofleet", null,
                CALLBACK);

        assertThatThrownBy(() -> OidcClient.connect(unreachable))
                .isInstanceOf(OidcLoginException.class)
                .hasMessageContaining("is unreachable");
    }

    @Test
    void discovery_ofProviderThatNeverAnswers_timesOut() throws Exception {
        try (var silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            var hanging = OidcProviderSettings.of(URI.create("http://127.0.0.1:" + silent.getLocalPort()),
                    "octofleet", null, CALLBACK).withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300));
            long started = System.nanoTime();

            assertThatThrownBy(() -> OidcClient.connect(hanging)).hasMessageContaining("is unreachable");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void discovery_namingAnotherIssuer_isRefused() throws Exception {
        var otherIssuer = URI.create(provider.issuer() + "/");
        // the document says "http://127.0.0.1:port", we configured ".../": not the same issuer

        assertThatThrownBy(() -> OidcClient.connect(OidcProviderSettings.of(otherIssuer, "octofleet", null,
                CALLBACK)))
                .isInstanceOf(OidcLoginException.class)
                .hasMessageContaining("discovery");
    }
}
