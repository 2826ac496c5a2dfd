package io.octofleet.server.oidc;

import java.time.Instant;
import java.util.Set;

/**
 * Who the provider says the user is, after every check passed.
 *
 * @param subject   the provider's stable, unique id of the user ({@code sub}); the only field to key accounts on
 * @param username  {@code preferred_username}, else {@code email}, else the subject
 * @param email     may be {@code null}
 * @param name      may be {@code null}
 * @param groups    from the configured groups claim; empty when the provider sent none
 * @param expiresAt when the token this identity came from expires
 */
public record OidcIdentity(String subject, String username, String email, String name, Set<String> groups,
                           Instant expiresAt) {

    public OidcIdentity {
        groups = Set.copyOf(groups);
    }
}
