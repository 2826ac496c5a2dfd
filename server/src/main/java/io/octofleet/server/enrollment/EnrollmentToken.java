package io.octofleet.server.enrollment;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.UUID;

/** An enrollment token as listed by the API: everything but the secret, which is shown once at creation. */
@Serdeable
public record EnrollmentToken(UUID id, String organization, Instant createdAt, String createdBy, Instant expiresAt, int maxUses, int uses,
                              @Nullable Instant revokedAt, String state) {
}
