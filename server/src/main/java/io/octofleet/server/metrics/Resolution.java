package io.octofleet.server.metrics;

import java.time.Duration;
import java.time.Instant;

/**
 * Where a query's data comes from: raw samples, the 1-minute or the 1-hour rollup. The coarsest source whose
 * resolution still fits the step is used, unless the range reaches back past its retention; the newest part of
 * the range, which a rollup may not hold yet, is read from the finer sources ({@link MetricQueries}).
 */
enum Resolution {
    RAW(Duration.ZERO),
    MINUTE(Duration.ofMinutes(1)),
    HOUR(Duration.ofHours(1));

    private final Duration bucket;

    Resolution(Duration bucket) {
        this.bucket = bucket;
    }

    Duration bucket() {
        return bucket;
    }

    static Resolution choose(Instant from, Duration step, Instant now, MetricsConfiguration config) {
        Resolution wanted = step.compareTo(Duration.ofHours(1)) >= 0 ? HOUR
                : step.compareTo(Duration.ofMinutes(1)) >= 0 ? MINUTE : RAW;
        if (wanted == RAW && from.isBefore(now.minus(config.rawRetention()))) {
            wanted = MINUTE;
        }
        if (wanted == MINUTE && from.isBefore(now.minus(config.minuteRetention()))) {
            wanted = HOUR;
        }
        return wanted;
    }
}
