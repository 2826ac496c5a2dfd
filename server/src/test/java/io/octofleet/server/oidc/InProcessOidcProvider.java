package io.octofleet.server.oidc;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real, small OpenID Connect provider over HTTP on 127.0.0.1 (port 0): discovery, /authorize (redirects back
 * with code and state), /token (client_secret_basic, single-use codes, PKCE S256 checked), /jwks, /userinfo.
 * Its knobs let a test make it misbehave the way real providers and attackers do.
 */
final class InProcessOidcProvider implements AutoCloseable {

    static final String SUBJECT = "u-1001";
    static final List<String> GROUPS = List.of("fleet-admins", "ops");

    private final HttpServer server;
    private final String clientId;
    private final String clientSecret;
    private final Map<String, PendingCode> codes = new ConcurrentHashMap<>();
    private final Map<String, String> accessTokens = new ConcurrentHashMap<>();
    private final AtomicInteger jwksFetches = new AtomicInteger();

    private volatile RSAKey signingKey = newKey();
    /** When set, tokens are signed with this key, which the JWKS does not publish. */
    volatile RSAKey forgeWith;
    volatile String nonceOverride;
    volatile Duration idTokenLifetime = Duration.ofMinutes(5);
    volatile boolean groupsInIdToken = true;

    private record PendingCode(String clientId, String redirectUri, String nonce, String challenge) {
    }

    InProcessOidcProvider(String clientId, String clientSecret) throws IOException {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/.well-known/openid-configuration", this::discovery);
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.createContext("/jwks", this::jwks);
        server.createContext("/userinfo", this::userinfo);
        server.start();
    }

    URI issuer() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The provider starts signing with a new key and publishes only that one. */
    void rotateKey() {
        signingKey = newKey();
    }

    int jwksFetches() {
        return jwksFetches.get();
    }

    /** An access token as the provider would issue it for API automation. */
    String accessToken(String audience, Duration lifetime, RSAKey key) {
        Instant now = Instant.now();
        return sign(new JWTClaimsSet.Builder()
                .issuer(issuer().toString())
                .subject("svc-deployer")
                .audience(audience)
                .claim("preferred_username", "deployer")
                .claim("groups", List.of("automation"))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .build(), key == null ? signingKey : key, new JOSEObjectType("at+jwt"));
    }

    RSAKey currentKey() {
        return signingKey;
    }

    private void discovery(HttpExchange exchange) throws IOException {
        String base = issuer().toString();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", base);
        doc.put("authorization_endpoint", base + "/authorize");
        doc.put("token_endpoint", base + "/token");
        doc.put("jwks_uri", base + "/jwks");
        doc.put("userinfo_endpoint", base + "/userinfo");
        doc.put("response_types_supported", List.of("code"));
        doc.put("subject_types_supported", List.of("public"));
        doc.put("id_token_signing_alg_values_supported", List.of("RS256"));
        doc.put("code_challenge_methods_supported", List.of("S256"));
        doc.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "none"));
        json(exchange, 200, doc);
    }

    private void authorize(HttpExchange exchange) throws IOException {
        Map<String, List<String>> q = URLUtils.parseParameters(exchange.getRequestURI().getRawQuery());
        String redirectUri = first(q, "redirect_uri");
        if (!clientId.equals(first(q, "client_id")) || redirectUri == null
                || !"code".equals(first(q, "response_type")) || !"S256".equals(first(q, "code_challenge_method"))
                || first(q, "code_challenge") == null || !first(q, "scope").contains("openid")) {
            json(exchange, 400, Map.of("error", "invalid_request"));
            return;
        }
        // The user is already signed in at the provider: no login page, straight back to the client.
        String code = UUID.randomUUID().toString();
        codes.put(code, new PendingCode(first(q, "client_id"), redirectUri, first(q, "nonce"),
                first(q, "code_challenge")));
        String location = redirectUri + "?code=" + enc(code) + "&state=" + enc(first(q, "state"));
        exchange.getResponseHeaders().add("Location", location);
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    private void token(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            json(exchange, 405, Map.of("error", "invalid_request"));
            return;
        }
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, List<String>> form = URLUtils.parseParameters(body);
        if (clientSecret != null) {
            String expected = "Basic " + Base64.getEncoder().encodeToString(
                    (enc(clientId) + ":" + enc(clientSecret)).getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                json(exchange, 401, Map.of("error", "invalid_client"));
                return;
            }
        } else if (!clientId.equals(first(form, "client_id"))) {
            json(exchange, 401, Map.of("error", "invalid_client"));
            return;
        }
        PendingCode pending = codes.remove(String.valueOf(first(form, "code"))); // single use
        if (!"authorization_code".equals(first(form, "grant_type")) || pending == null
                || !pending.redirectUri().equals(first(form, "redirect_uri"))) {
            json(exchange, 400, Map.of("error", "invalid_grant", "error_description", "unknown or used code"));
            return;
        }
        String verifier = first(form, "code_verifier");
        if (verifier == null || !s256(verifier).equals(pending.challenge())) {
            json(exchange, 400, Map.of("error", "invalid_grant", "error_description", "PKCE verification failed"));
            return;
        }
        Instant now = Instant.now();
        var claims = new JWTClaimsSet.Builder()
                .issuer(issuer().toString())
                .subject(SUBJECT)
                .audience(clientId)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(idTokenLifetime)))
                .claim("nonce", nonceOverride != null ? nonceOverride : pending.nonce())
                .claim("preferred_username", "alice")
                .claim("email", "alice@example.org")
                .claim("name", "Alice Example");
        if (groupsInIdToken) {
            claims.claim("groups", GROUPS);
        }
        RSAKey key = forgeWith != null ? forgeWith : signingKey;
        String accessToken = UUID.randomUUID().toString();
        accessTokens.put(accessToken, SUBJECT);
        json(exchange, 200, Map.of(
                "access_token", accessToken,
                "token_type", "Bearer",
                "expires_in", 300,
                "id_token", sign(claims.build(), key, JOSEObjectType.JWT)));
    }

    private void jwks(HttpExchange exchange) throws IOException {
        jwksFetches.incrementAndGet();
        json(exchange, 200, new JWKSet(signingKey.toPublicJWK()).toJSONObject());
    }

    private void userinfo(HttpExchange exchange) throws IOException {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        String subject = auth != null && auth.startsWith("Bearer ") ? accessTokens.get(auth.substring(7)) : null;
        if (subject == null) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
            return;
        }
        json(exchange, 200, Map.of("sub", subject, "groups", GROUPS, "email", "alice@example.org"));
    }

    private static String sign(JWTClaimsSet claims, RSAKey key, JOSEObjectType type) {
        try {
            var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(type).build(),
                    claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static RSAKey newKey() {
        try {
            return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String s256(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64URL.encode(hash).toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void json(HttpExchange exchange, int status, Map<String, ?> body) throws IOException {
        @SuppressWarnings("unchecked")
        byte[] bytes = JSONObjectUtils.toJSONString((Map<String, ?>) body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
