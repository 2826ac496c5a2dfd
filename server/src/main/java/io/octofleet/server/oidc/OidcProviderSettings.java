package io.octofleet.server.oidc;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How Octofleet talks to one OpenID Connect provider.
 *
 * @param issuer              the provider's issuer; discovery reads {@code <issuer>/.well-known/openid-configuration}
 * @param clientId            Octofleet's client id at the provider
 * @param clientSecret        the client secret, or {@code null} for a public client (then PKCE alone protects the code)
 * @param scopes              requested scopes; {@code openid} is always added
 * @param redirectUri         where the provider sends the browser back to
 * @param groupsClaim         the claim (ID token or userinfo) that lists the user's groups
 * @param clockSkew           tolerated difference between our clock and the provider's
 * @param connectTimeout      connect timeout of every call to the provider
 * @param readTimeout         read timeout of every call to the provider
 * @param acceptAccessTokens  whether {@link OidcClient#validateAccessToken} accepts bearer JWTs (API automation)
 * @param accessTokenAudience the audience an accepted access token must carry; defaults to the client id
 */
public record OidcProviderSettings(
        URI issuer,
        String clientId,
        String clientSecret,
        List<String> scopes,
        URI redirectUri,
        String groupsClaim,
        Duration clockSkew,
        Duration connectTimeout,
        Duration readTimeout,
        boolean acceptAccessTokens,
        String accessTokenAudience) {

    public static final List<String> DEFAULT_SCOPES = List.of("openid", "profile", "email");
    public static final String DEFAULT_GROUPS_CLAIM = "groups";

    public OidcProviderSettings {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(redirectUri, "redirectUri");
        if (clientId == null || clientId.isBlank()) {
            throw new IllegalArgumentException("OIDC client id is required");
        }
        if (clientSecret != null && clientSecret.isBlank()) {
            clientSecret = null;
        }
        scopes = scopes == null || scopes.isEmpty() ? DEFAULT_SCOPES : List.copyOf(scopes);
        groupsClaim = groupsClaim == null || groupsClaim.isBlank() ? DEFAULT_GROUPS_CLAIM : groupsClaim;
        clockSkew = clockSkew == null ? Duration.ofSeconds(60) : clockSkew;
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
        readTimeout = readTimeout == null ? Duration.ofSeconds(10) : readTimeout;
        accessTokenAudience = accessTokenAudience == null || accessTokenAudience.isBlank()
                ? clientId : accessTokenAudience;
        if (clockSkew.isNegative() || connectTimeout.isNegative() || readTimeout.isNegative()) {
            throw new IllegalArgumentException("OIDC durations must not be negative");
        }
    }

    /** Settings with every default: scopes, groups claim, 60 s skew, 5 s / 10 s timeouts, no access tokens. */
    public static OidcProviderSettings of(URI issuer, String clientId, String clientSecret, URI redirectUri) {
        return new OidcProviderSettings(issuer, clientId, clientSecret, null, redirectUri, null,
                null, null, null, false, null);
    }

    public OidcProviderSettings withGroupsClaim(String claim) {
        return new OidcProviderSettings(issuer, clientId, clientSecret, scopes, redirectUri, claim,
                clockSkew, connectTimeout, readTimeout, acceptAccessTokens, accessTokenAudience);
    }

    public OidcProviderSettings withClockSkew(Duration skew) {
        return new OidcProviderSettings(issuer, clientId, clientSecret, scopes, redirectUri, groupsClaim,
                skew, connectTimeout, readTimeout, acceptAccessTokens, accessTokenAudience);
    }

    public OidcProviderSettings withTimeouts(Duration connect, Duration read) {
        return new OidcProviderSettings(issuer, clientId, clientSecret, scopes, redirectUri, groupsClaim,
                clockSkew, connect, read, acceptAccessTokens, accessTokenAudience);
    }

    /** Accept bearer access tokens whose {@code aud} contains {@code audience} ({@code null}: the client id). */
    public OidcProviderSettings withAccessTokens(String audience) {
        return new OidcProviderSettings(issuer, clientId, clientSecret, scopes, redirectUri, groupsClaim,
                clockSkew, connectTimeout, readTimeout, true, audience);
    }

    /** The secret never shows up in logs or error messages. */
    @Override
    public String toString() {
        return "OidcProviderSettings[issuer=" + issuer + ", clientId=" + clientId
                + ", clientSecret=" + (clientSecret == null ? "none" : "***") + ", scopes=" + scopes
                + ", redirectUri=" + redirectUri + ", groupsClaim=" + groupsClaim + ", clockSkew=" + clockSkew
                + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout
                + ", acceptAccessTokens=" + acceptAccessTokens + ", accessTokenAudience=" + accessTokenAudience + "]";
    }
}
