package io.octofleet.server.legacy;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per legacy key: {@code octofleet.legacy.rate-limit} requests per second on average, bursts up to
 * {@code octofleet.legacy.rate-burst}. One key is usually shared by a whole fleet, so the default (500/s) is sized
 * for about 2,500 Linux agents at their 5 s live-data interval; it is there to keep one key's flood (a copied key, a
 * looping script) from taking the server, not to pace normal agents. Per server replica.
 */
@Singleton
final class LegacyRateLimit {
    private final double perSecond;
    private final double burst;
    private final Map<UUID, Bucket> buckets = new ConcurrentHashMap<>();

    LegacyRateLimit(@Value("${octofleet.legacy.rate-limit:500}") double perSecond,
                    @Value("${octofleet.legacy.rate-burst:1000}") double burst) {
        if (perSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("octofleet.legacy.rate-limit must be > 0 and rate-burst >= 1, got "
                    + perSecond + " and " + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
    }

    /** Takes one request's token; false when the key has none left (answer 429). */
    boolean take(UUID key) {
        return buckets.computeIfAbsent(key, k -> new Bucket(burst)).take(perSecond, burst, System.nanoTime());
    }

    /** Seconds until a token is there again, at least 1 (for Retry-After). */
    long retryAfterSeconds() {
        return Math.max(1, (long) Math.ceil(1 / perSecond));
    }

    private static final class Bucket {
        private double tokens;
        private long lastNanos;

        Bucket(double burst) {
            this.tokens = burst;
            this.lastNanos = System.nanoTime();
        }

        synchronized boolean take(double perSecond, double burst, long nowNanos) {
            tokens = Math.min(burst, tokens + (nowNanos - lastNanos) / 1e9 * perSecond);
            lastNanos = nowNanos;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }
}
