package io.octofleet.server.users;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A user as the API shows it (never a password hash).
 *
 * @param kind {@code human} (signs in) or {@code service} (API tokens only)
 * @param source null for a local user; the auth source (LDAP/OIDC) an external user comes from
 * @param roles every binding: role, organization ({@code *} = every organization), optional node group, and origin
 *     ({@code manual}, or {@code mapping} when a directory/SSO group mapping granted it)
 */
@Serdeable
public record User(UUID id, String username, String displayName, @Nullable String email, String kind,
                   @Nullable String source, boolean disabled, Instant createdAt, @Nullable Instant lastLoginAt,
                   List<Binding> roles) {
    public User {
        roles = List.copyOf(roles);
    }

    @Serdeable
    public record Binding(String role, String organization, @Nullable UUID group, String origin) {
    }
}
