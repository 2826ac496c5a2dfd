package io.octofleet.server.sources;

import io.micronaut.http.HttpRequest;
import io.octofleet.server.auth.BearerAuthenticator;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.OperatorRepository;
import io.octofleet.server.auth.SecretTokens;
import io.octofleet.server.oidc.OidcIdentity;
import io.octofleet.server.oidc.OidcLoginException;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An OIDC provider's access tokens (JWTs) as bearer tokens, for automation that already holds one — only from
 * sources configured with {@code "acceptAccessTokens": true}. The token is checked like an ID token (signature via
 * the provider's JWKS, issuer, audience, expiry); its user is found (or created) by subject, and the groups claim
 * in the token maps to roles, once per token.
 */
@Singleton
final class ProviderAccessTokens implements BearerAuthenticator {
    private final AuthSources sources;
    private final ExternalUsers users;
    private final OperatorRepository operators;
    /** token digest → user, until the token expires: groups are mapped once per token, not per request */
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    private record Known(UUID user, Instant expiresAt) {
    }

    ProviderAccessTokens(AuthSources sources, ExternalUsers users, OperatorRepository operators) {
        this.sources = sources;
        this.users = users;
        this.operators = operators;
    }

    @Override
    public boolean accepts(String token) {
        // a compact JWS: three base64url parts; our own tokens never contain dots
        return token.chars().filter(c -> c == '.').count() == 2;
    }

    @Override
    public Optional<Operator> authenticate(String token, HttpRequest<?> request) {
        String digest = Base64.getEncoder().encodeToString(SecretTokens.sha256(token));
        Known cached = known.get(digest);
        if (cached != null && cached.expiresAt().isAfter(Instant.now())) {
            return operator(cached.user());
        }
        known.entrySet().removeIf(e -> !e.getValue().expiresAt().isAfter(Instant.now()));
        for (AuthSource source : sources.enabled("oidc")) {
            if (!Boolean.TRUE.equals(source.settings().get("acceptAccessTokens"))) {
                continue;
            }
            OidcIdentity identity;
            try {
                identity = sources.client(source).validateAccessToken(token);
            } catch (OidcLoginException e) {
                continue; // not this provider's, or not valid: the next one may know it
            }
            ExternalUsers.Account account = users.signedIn(source, identity.subject(), identity.username(),
                    identity.name(), identity.email(), identity.groups());
            if (account.disabled()) {
                return Optional.empty();
            }
            known.put(digest, new Known(account.id(), identity.expiresAt()));
            return operator(account.id());
        }
        return Optional.empty();
    }

    private Optional<Operator> operator(UUID user) {
        return operators.enabledUser(user).map(name -> new Operator(user, name, operators.grants(user)));
    }
}
