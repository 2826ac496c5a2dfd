package io.octofleet.agent.session;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {
    @Test
    void delaysGrowUpToTheCapWithJitter() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
        long max = 0;
        for (int i = 0; i < 30; i++) {
            Duration d = backoff.next();
            assertThat(d).isBetween(Duration.ofMillis(500), Duration.ofSeconds(60));
            max = Math.max(max, d.toMillis());
        }
        // after 30 attempts the window is the cap; jitter makes exact values random, but not all tiny
        assertThat(max).isGreaterThan(5_000);
    }

    @Test
    void firstDelayAfterResetIsShort() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
        for (int i = 0; i < 10; i++) {
            backoff.next();
        }
        backoff.reset();
        assertThat(backoff.next()).isLessThanOrEqualTo(Duration.ofSeconds(1));
    }
}
