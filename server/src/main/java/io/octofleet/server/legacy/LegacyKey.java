package io.octofleet.server.legacy;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.UUID;

/**
 * An API key for Python-era agents, as the API lists it: never the key itself (shown once, at creation), only its
 * first characters.
 */
@Serdeable
public record LegacyKey(UUID id, String organization, String name, String prefix, String createdBy, Instant createdAt,
                        @Nullable Instant lastUsedAt, @Nullable Instant revokedAt) {
}
