package io.octofleet.server.metrics;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * {@code octofleet.metrics.*} (docs/configuration.md).
 *
 * @param interval          how often agents sample, unless the node's OCTOFLEET_METRICS_INTERVAL parameter
 *                          (seconds, set on its organization, a group or the node) says otherwise
 * @param rawRetention      how long raw samples are kept
 * @param minuteRetention   how long the 1-minute rollup is kept
 * @param hourRetention     how long the 1-hour rollup is kept
 * @param maintenanceInterval how often partitions and rollups are brought up to date (native storage)
 * @param partitionsAhead   days of partitions created ahead of today (native storage)
 * @param futureTolerance   how far ahead of the server's clock a sample may be (agent clock skew) and still be kept
 * @param ingestQueue       batches waiting to be written at most; beyond it agents are told to send again later
 */
@ConfigurationProperties("octofleet.metrics")
public record MetricsConfiguration(@Bindable(defaultValue = "15s") Duration interval,
                                   @Bindable(defaultValue = "7d") Duration rawRetention,
                                   @Bindable(defaultValue = "31d") Duration minuteRetention,
                                   @Bindable(defaultValue = "400d") Duration hourRetention,
                                   @Bindable(defaultValue = "1m") Duration maintenanceInterval,
                                   @Bindable(defaultValue = "3") int partitionsAhead,
                                   @Bindable(defaultValue = "10m") Duration futureTolerance,
                                   @Bindable(defaultValue = "20000") int ingestQueue) {
    public MetricsConfiguration {
        if (rawRetention.compareTo(Duration.ofHours(1)) < 0 || minuteRetention.compareTo(rawRetention) < 0
                || hourRetention.compareTo(minuteRetention) < 0) {
            throw new IllegalArgumentException("octofleet.metrics: retention must be raw (>= 1h) <= minute <= hour, got "
                    + rawRetention + ", " + minuteRetention + ", " + hourRetention);
        }
        if (partitionsAhead < 1 || ingestQueue < 1 || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("octofleet.metrics: interval, partitions-ahead and ingest-queue must be positive");
        }
    }
}
