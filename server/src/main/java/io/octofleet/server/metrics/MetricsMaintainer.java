package io.octofleet.server.metrics;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Locale;

/**
 * Keeps the time-series storage in shape: at start (before any batch is stored) and then every
 * {@code octofleet.metrics.maintenance-interval}. On TimescaleDB that is applying the policies once; natively it is
 * partitions ahead, partitions past retention dropped, and the rollups brought up to date.
 */
@Singleton
public class MetricsMaintainer {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsMaintainer.class);

    private final StorageKind kind;
    private final NativeStorage nativeStorage;
    private final TimescaleStorage timescale;
    private final Clock clock;

    MetricsMaintainer(DSLContext dsl, NativeStorage nativeStorage, TimescaleStorage timescale) {
        this.kind = StorageKind.valueOf(dsl.fetchOne("SELECT kind FROM metric_storage").get(0, String.class)
                .toUpperCase(Locale.ROOT));
        this.nativeStorage = nativeStorage;
        this.timescale = timescale;
        this.clock = Clock.systemUTC();
    }

    public StorageKind kind() {
        return kind;
    }

    @PostConstruct
    void prepare() {
        LOG.info("Metric storage: {}", kind == StorageKind.TIMESCALEDB ? "TimescaleDB" : "native PostgreSQL partitions");
        if (kind == StorageKind.TIMESCALEDB) {
            timescale.applyPolicies();
        } else {
            nativeStorage.maintainPartitions(clock.instant());
        }
    }

    @Scheduled(fixedDelay = "${octofleet.metrics.maintenance-interval:1m}", initialDelay = "${octofleet.metrics.maintenance-interval:1m}")
    void maintain() {
        if (kind != StorageKind.NATIVE) {
            return;
        }
        try {
            nativeStorage.maintainPartitions(clock.instant());
            nativeStorage.rollUp(clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("Metric maintenance failed (retried at the next interval): {}", e.toString());
        }
    }
}
