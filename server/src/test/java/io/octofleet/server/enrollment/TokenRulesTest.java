package io.octofleet.server.enrollment;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class TokenRulesTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void usableTokenHasNoRefusal() {
        assertThat(TokenRules.refusal(false, NOW.plusSeconds(1), 0, 1, NOW)).isNull();
    }

    @Test
    void tokenExpiresAtItsExpiryInstant() {
        assertThat(TokenRules.refusal(false, NOW, 0, 1, NOW)).isEqualTo(TokenRefusal.EXPIRED);
        assertThat(TokenRules.refusal(false, NOW.minusSeconds(1), 0, 1, NOW)).isEqualTo(TokenRefusal.EXPIRED);
    }

    @Test
    void singleUseTokenIsUsedUpAfterOneUse() {
        assertThat(TokenRules.refusal(false, NOW.plusSeconds(60), 1, 1, NOW)).isEqualTo(TokenRefusal.USED_UP);
        assertThat(TokenRules.refusal(false, NOW.plusSeconds(60), 2, 3, NOW)).isNull();
    }

    @Test
    void revocationWinsOverExpiryAndUse() {
        assertThat(TokenRules.refusal(true, NOW.minusSeconds(60), 5, 1, NOW)).isEqualTo(TokenRefusal.REVOKED);
    }

    @Test
    void requestLimitsAreEnforced() {
        assertThat(TokenRules.invalid(null, null)).isNull();
        assertThat(TokenRules.invalid(3600L, 1)).isNull();
        assertThat(TokenRules.invalid(59L, null)).contains("ttlSeconds");
        assertThat(TokenRules.invalid(31L * 24 * 3600, null)).contains("ttlSeconds");
        assertThat(TokenRules.invalid(null, 0)).contains("maxUses");
        assertThat(TokenRules.invalid(null, 10_001)).contains("maxUses");
    }
}
