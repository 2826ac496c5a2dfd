package io.octofleet.bench.sim;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter, as the real agent reconnects (its {@code session.Backoff} is package-private,
 * hence this copy of its few lines): a thousand simulated agents dropped together do not come back in one wave.
 */
final class ReconnectBackoff {
    private final long baseMillis;
    private final long maxMillis;
    private int attempt;

    ReconnectBackoff(Duration base, Duration max) {
        this.baseMillis = base.toMillis();
        this.maxMillis = max.toMillis();
    }

    Duration next() {
        long ceiling = Math.min(maxMillis, baseMillis << Math.min(attempt, 20));
        attempt++;
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(baseMillis / 2, Math.max(baseMillis, ceiling) + 1));
    }

    void reset() {
        attempt = 0;
    }
}
