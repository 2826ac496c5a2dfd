package io.octofleet.server.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.AuthenticationResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationResponseParser;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.UserInfoRequest;
import com.nimbusds.openid.connect.sdk.UserInfoResponse;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.claims.UserInfo;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Octofleet as an OpenID Connect relying party of one provider: the authorization code flow with PKCE (S256)
 * for browser logins, and bearer access-token validation for API automation.
 *
 * <p>Thread-safe; build one per configured provider and keep it. Every refusal is an {@link OidcLoginException}
 * whose message says what was refused and why.
 */
public final class OidcClient {

    private final OidcProvider provider;
    private final OidcProviderSettings settings;

    public OidcClient(OidcProvider provider) {
        this.provider = provider;
        this.settings = provider.settings();
    }

    /**
     * Discovers the provider and builds a client for it.
     *
     * @throws OidcLoginException when discovery fails (see {@link OidcProvider#discover})
     */
    public static OidcClient connect(OidcProviderSettings settings) throws OidcLoginException {
        return new OidcClient(OidcProvider.discover(settings));
    }

    /** The provider's RP-initiated logout endpoint ({@code end_session_endpoint}), if it publishes one. */
    public java.util.Optional<URI> endSessionEndpoint() {
        return java.util.Optional.ofNullable(provider.metadata().getEndSessionEndpointURI());
    }

    /** The client id at the provider. */
    public String clientId() {
        return settings.clientId();
    }

    /** Starts a login: a fresh state, nonce and PKCE verifier, and the URI to send the browser to. */
    public LoginStart begin() {
        State state = new State();
        Nonce nonce = new Nonce();
        CodeVerifier verifier = new CodeVerifier();
        Scope scope = new Scope(settings.scopes().toArray(String[]::new));
        if (!scope.contains("openid")) {
            scope.add("openid");
        }
        URI uri = new AuthenticationRequest.Builder(ResponseType.CODE, scope, new ClientID(settings.clientId()),
                settings.redirectUri())
                .endpointURI(provider.metadata().getAuthorizationEndpointURI())
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI();
        return new LoginStart(uri, state, nonce, verifier);
    }

    /**
     * Finishes a login from the URI the provider redirected the browser to: checks the state, redeems the code
     * (with the PKCE verifier, and the client secret when one is configured), validates the ID token (signature
     * against the provider's JWKS, issuer, audience, expiry, nonce) and, when the groups claim is not in the ID
     * token, reads it from the userinfo endpoint.
     *
     * @throws OidcLoginException on a state mismatch, an error from the provider, an unreachable provider, or an
     *                            ID token or userinfo response that fails a check
     */
    public OidcIdentity complete(LoginStart pending, URI callbackUri) throws OidcLoginException {
        AuthenticationResponse response;
        try {
            response = AuthenticationResponseParser.parse(callbackUri);
        } catch (ParseException e) {
            throw new OidcLoginException("OIDC callback is malformed: " + e.getMessage(), e);
        }
        if (!pending.state().equals(response.getState())) {
            throw new OidcLoginException("state mismatch: the callback does not belong to this login");
        }
        if (!response.indicatesSuccess()) {
            throw new OidcLoginException("OIDC provider refused the login: "
                    + describe(response.toErrorResponse().getErrorObject()));
        }
        AuthorizationCode code = response.toSuccessResponse().getAuthorizationCode();
        if (code == null) {
            throw new OidcLoginException("OIDC callback carries no authorization code");
        }

        OIDCTokenResponse tokens = redeem(code, pending.verifier());
        JWT idToken = tokens.getOIDCTokens().getIDToken();
        if (idToken == null) {
            throw new OidcLoginException("OIDC provider returned no ID token");
        }
        IDTokenClaimsSet idClaims;
        try {
            idClaims = provider.idTokenValidator().validate(idToken, pending.nonce());
        } catch (BadJOSEException e) {
            throw new OidcLoginException("ID token refused: " + e.getMessage(), e);
        } catch (JOSEException e) {
            throw new OidcLoginException("ID token could not be checked: " + e.getMessage(), e);
        }

        Map<String, Object> claims = new HashMap<>(idClaims.toJSONObject());
        if (GroupsClaim.find(claims, settings.groupsClaim()) == null
                && provider.metadata().getUserInfoEndpointURI() != null) {
            UserInfo userInfo = userInfo(tokens.getOIDCTokens().getAccessToken());
            if (!idClaims.getSubject().equals(userInfo.getSubject())) {
                throw new OidcLoginException("userinfo is about another subject than the ID token");
            }
            userInfo.toJSONObject().forEach(claims::putIfAbsent);
        }
        return identity(claims, idClaims.getExpirationTime().toInstant());
    }

    /**
     * Checks a bearer access token (a JWT) for API automation: signature against the provider's JWKS, issuer,
     * expiry, and that its audience contains {@link OidcProviderSettings#accessTokenAudience()}. Groups come from
     * the configured claim in the token itself. Tokens with a {@code nonce} (ID tokens) are refused.
     *
     * @throws OidcLoginException when access tokens are not accepted for this provider, or the token fails a check
     */
    public OidcIdentity validateAccessToken(String jwt) throws OidcLoginException {
        if (!settings.acceptAccessTokens()) {
            throw new OidcLoginException("access tokens from " + settings.issuer() + " are not accepted");
        }
        JWTClaimsSet claims;
        try {
            claims = provider.accessTokenProcessor().process(jwt, null);
        } catch (java.text.ParseException e) {
            throw new OidcLoginException("access token is not a JWT", e);
        } catch (BadJOSEException e) {
            String reason = e.getMessage();
            if (reason != null && reason.contains("aud claim")) {
                reason += " (expected audience " + settings.accessTokenAudience() + ")";
            }
            throw new OidcLoginException("access token refused: " + reason, e);
        } catch (JOSEException e) {
            throw new OidcLoginException("access token could not be checked: " + e.getMessage(), e);
        }
        return identity(claims.getClaims(), claims.getExpirationTime().toInstant());
    }

    private OIDCTokenResponse redeem(AuthorizationCode code, CodeVerifier verifier) throws OidcLoginException {
        var grant = new AuthorizationCodeGrant(code, settings.redirectUri(), verifier);
        URI tokenEndpoint = provider.metadata().getTokenEndpointURI();
        ClientID clientId = new ClientID(settings.clientId());
        TokenRequest request = settings.clientSecret() == null
                ? new TokenRequest(tokenEndpoint, clientId, grant)
                : new TokenRequest(tokenEndpoint, new ClientSecretBasic(clientId, new Secret(settings.clientSecret())),
                        grant);
        TokenResponse response;
        try {
            response = OIDCTokenResponseParser.parse(send(request.toHTTPRequest(), "token endpoint"));
        } catch (ParseException e) {
            throw new OidcLoginException("OIDC token endpoint answered with an unusable response: "
                    + e.getMessage(), e);
        }
        if (!response.indicatesSuccess()) {
            throw new OidcLoginException("OIDC token endpoint refused the code: "
                    + describe(response.toErrorResponse().getErrorObject()));
        }
        if (!(response.toSuccessResponse() instanceof OIDCTokenResponse)) {
            throw new OidcLoginException("OIDC token endpoint returned no ID token");
        }
        return (OIDCTokenResponse) response.toSuccessResponse();
    }

    private UserInfo userInfo(AccessToken accessToken) throws OidcLoginException {
        UserInfoResponse response;
        try {
            response = UserInfoResponse.parse(send(
                    new UserInfoRequest(provider.metadata().getUserInfoEndpointURI(), accessToken).toHTTPRequest(),
                    "userinfo endpoint"));
        } catch (ParseException e) {
            throw new OidcLoginException("OIDC userinfo endpoint answered with an unusable response: "
                    + e.getMessage(), e);
        }
        if (!response.indicatesSuccess()) {
            throw new OidcLoginException("OIDC userinfo endpoint refused: "
                    + describe(response.toErrorResponse().getErrorObject()));
        }
        UserInfo userInfo = response.toSuccessResponse().getUserInfo();
        if (userInfo == null) {
            throw new OidcLoginException("OIDC userinfo endpoint returned a signed or encrypted JWT;"
                    + " only plain JSON userinfo is supported");
        }
        return userInfo;
    }

    private HTTPResponse send(HTTPRequest request, String what) throws OidcLoginException {
        request.setConnectTimeout(provider.connectTimeoutMillis());
        request.setReadTimeout(provider.readTimeoutMillis());
        try {
            return request.send();
        } catch (IOException e) {
            throw new OidcLoginException("OIDC " + what + " " + request.getURI() + " is unreachable: " + e, e);
        }
    }

    private OidcIdentity identity(Map<String, Object> claims, Instant expiresAt) throws OidcLoginException {
        String subject = string(claims.get("sub"));
        if (subject == null || subject.isBlank()) {
            throw new OidcLoginException("token has no subject");
        }
        String email = string(claims.get("email"));
        String username = string(claims.get("preferred_username"));
        if (username == null || username.isBlank()) {
            username = email != null && !email.isBlank() ? email : subject;
        }
        return new OidcIdentity(subject, username, email, string(claims.get("name")),
                GroupsClaim.groups(claims, settings.groupsClaim()), expiresAt);
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }

    private static String describe(ErrorObject error) {
        if (error == null) {
            return "unknown error";
        }
        String text = error.getCode() == null ? "error" : error.getCode();
        if (error.getDescription() != null) {
            text += " (" + error.getDescription() + ")";
        } else if (error.getHTTPStatusCode() > 0) {
            text += " (HTTP " + error.getHTTPStatusCode() + ")";
        }
        return text;
    }

    /** Reads the groups claim: a list or a single string, at top level or at a dotted path such as realm_access.roles. */
    static final class GroupsClaim {
        private GroupsClaim() {
        }

        static Object find(Map<String, Object> claims, String name) {
            if (claims.containsKey(name)) {
                return claims.get(name);
            }
            Object node = claims;
            for (String part : name.split("\\.")) {
                if (!(node instanceof Map)) {
                    return null;
                }
                node = ((Map<?, ?>) node).get(part);
            }
            return node;
        }

        static Set<String> groups(Map<String, Object> claims, String name) {
            Object value = find(claims, name);
            Set<String> groups = new LinkedHashSet<>();
            if (value instanceof Collection) {
                for (Object group : (Collection<?>) value) {
                    if (group != null) {
                        groups.add(group.toString());
                    }
                }
            } else if (value != null) {
                groups.add(value.toString());
            }
            return groups;
        }
    }
}
