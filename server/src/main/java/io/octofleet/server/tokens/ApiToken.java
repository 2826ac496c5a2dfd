package io.octofleet.server.tokens;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An API token as listed: never the secret, which is shown once when the token is created.
 *
 * @param organization the one organization the token is limited to; null = every organization its owner reaches
 */
@Serdeable
public record ApiToken(UUID id, String name, String owner, List<String> permissions, @Nullable String organization,
                       String createdBy, Instant createdAt, Instant expiresAt, @Nullable Instant lastUsedAt,
                       @Nullable String lastUsedFrom, @Nullable Instant revokedAt) {
    public ApiToken {
        permissions = List.copyOf(permissions);
    }
}
