package io.octofleet.agent.session;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): after a server
 * outage, thousands of agents spread their reconnects over the whole window instead of arriving in waves. Public
 * because the benchmark's simulated agents reconnect exactly as the real one does.
 */
public final class Backoff {
    private final long baseMillis;
    private final long maxMillis;
    private int attempt;

    public Backoff(Duration base, Duration max) {
        this.baseMillis = base.toMillis();
        this.maxMillis = max.toMillis();
    }

    /** The delay before the next attempt; grows with each call until {@link #reset()}. */
    public Duration next() {
        long ceiling = Math.min(maxMillis, baseMillis << Math.min(attempt, 20));
        attempt++;
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(baseMillis / 2, Math.max(baseMillis, ceiling) + 1));
    }

    public void reset() {
        attempt = 0;
    }
}
