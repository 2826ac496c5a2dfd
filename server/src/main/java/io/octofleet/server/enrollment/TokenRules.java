package io.octofleet.server.enrollment;

import io.micronaut.core.annotation.Nullable;

import java.time.Duration;
import java.time.Instant;

/** The rules of enrollment tokens, in one place so the API, the listing and the refusal reasons agree. */
final class TokenRules {
    static final Duration DEFAULT_TTL = Duration.ofHours(1);
    static final Duration MIN_TTL = Duration.ofMinutes(1);
    static final Duration MAX_TTL = Duration.ofDays(30);
    static final int DEFAULT_MAX_USES = 1;
    static final int MAX_USES_LIMIT = 10_000;

    private TokenRules() {
    }

    /** Validates a request; returns the reason it is invalid, or null. */
    @Nullable
    static String invalid(@Nullable Long ttlSeconds, @Nullable Integer maxUses) {
        if (ttlSeconds != null && (ttlSeconds < MIN_TTL.toSeconds() || ttlSeconds > MAX_TTL.toSeconds())) {
            return "ttlSeconds must be between " + MIN_TTL.toSeconds() + " and " + MAX_TTL.toSeconds();
        }
        if (maxUses != null && (maxUses < 1 || maxUses > MAX_USES_LIMIT)) {
            return "maxUses must be between 1 and " + MAX_USES_LIMIT;
        }
        return null;
    }

    /** Why a token cannot be used now, or null when it can. Revocation wins over expiry, expiry over use count. */
    @Nullable
    static TokenRefusal refusal(boolean revoked, Instant expiresAt, int uses, int maxUses, Instant now) {
        if (revoked) {
            return TokenRefusal.REVOKED;
        }
        if (!now.isBefore(expiresAt)) {
            return TokenRefusal.EXPIRED;
        }
        if (uses >= maxUses) {
            return TokenRefusal.USED_UP;
        }
        return null;
    }
}
