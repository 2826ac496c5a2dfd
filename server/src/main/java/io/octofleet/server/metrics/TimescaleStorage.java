package io.octofleet.server.metrics;

import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Time series on TimescaleDB (V7__metrics.sql, TimescaleDB path): the hypertable, compression and continuous
 * aggregates come from the migration; this applies the configured retention and the aggregates' refresh policies,
 * replacing whatever policies were there, so changing {@code octofleet.metrics.*-retention} takes effect at the
 * next start. TimescaleDB's background workers then do what {@link NativeStorage} does by hand.
 *
 * <p>A continuous aggregate's refresh window must stay inside the retention of what it reads: refreshing a range
 * whose raw rows were dropped would empty the aggregate there. So the 1-minute aggregate refreshes the last
 * raw-retention minus a day, and the hourly one the last minute-retention minus a day. Only invalidated buckets are
 * recomputed, so a wide window costs nothing when nothing changed, and a batch replayed late is still rolled up.
 */
@Singleton
public class TimescaleStorage {
    private static final Logger LOG = LoggerFactory.getLogger(TimescaleStorage.class);

    private final DSLContext dsl;
    private final MetricsConfiguration config;

    TimescaleStorage(DSLContext dsl, MetricsConfiguration config) {
        this.dsl = dsl;
        this.config = config;
    }

    public void applyPolicies() {
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            if (!NativeStorage.lock(db, "policies")) {
                return;
            }
            retention(db, "metric_samples", config.rawRetention());
            retention(db, "metric_1m", config.minuteRetention());
            retention(db, "metric_1h", config.hourRetention());
            refresh(db, "metric_1m", window(config.rawRetention()), Duration.ofMinutes(1), Duration.ofMinutes(1));
            refresh(db, "metric_1h", window(config.minuteRetention()), Duration.ofHours(1), Duration.ofMinutes(10));
        });
        LOG.info("TimescaleDB policies: raw samples kept {}, 1-minute rollup {}, 1-hour rollup {}",
                config.rawRetention(), config.minuteRetention(), config.hourRetention());
    }

    /** The policies in force, as TimescaleDB reports them: "table: proc (schedule)". */
    public java.util.List<String> policies() {
        return dsl.fetch("SELECT hypertable_name::text || ': ' || proc_name::text || ' every ' || schedule_interval::text "
                        + "FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL ORDER BY 1")
                .getValues(0, String.class);
    }

    private static Duration window(Duration retention) {
        Duration window = retention.minus(Duration.ofDays(1));
        return window.compareTo(Duration.ofHours(2)) < 0 ? Duration.ofHours(2) : window;
    }

    private static void retention(DSLContext db, String table, Duration keep) {
        db.execute("SELECT remove_retention_policy(?::regclass, if_exists => true)", table);
        db.execute("SELECT add_retention_policy(?::regclass, drop_after => ?::interval)", table, interval(keep));
    }

    private static void refresh(DSLContext db, String view, Duration start, Duration end, Duration every) {
        db.execute("SELECT remove_continuous_aggregate_policy(?::regclass, if_exists => true)", view);
        db.execute("SELECT add_continuous_aggregate_policy(?::regclass, start_offset => ?::interval, "
                + "end_offset => ?::interval, schedule_interval => ?::interval)", view, interval(start), interval(end),
                interval(every));
    }

    private static String interval(Duration duration) {
        return duration.toSeconds() + " seconds";
    }
}
