package io.octofleet.server.metrics;

import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Time series on plain PostgreSQL (V7__metrics.sql, native path): range partitions of a day ({@code metric_samples},
 * {@code metric_1m}) or a month ({@code metric_1h}), created from the retention horizon to a few days ahead and
 * dropped whole once past retention (no DELETE, no vacuum debt); the rollups are filled from the dirty mark the
 * ingest lowers, so a batch replayed late from an agent's spool is rolled up too.
 */
@Singleton
public class NativeStorage {
    private static final Logger LOG = LoggerFactory.getLogger(NativeStorage.class);
    private static final Pattern PARTITION = Pattern.compile("^(metric_samples|metric_1m|metric_1h)_p(\\d{8})$");
    private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd");

    /** A partitioned table, the span of one partition, and how long its rows are kept. */
    record Table(String name, ChronoUnit span, Duration retention) {
        LocalDate periodStart(LocalDate day) {
            return span == ChronoUnit.MONTHS ? day.withDayOfMonth(1) : day;
        }

        LocalDate next(LocalDate start) {
            return start.plus(1, span);
        }
    }

    /** What one maintenance pass did. */
    public record Maintenance(List<String> created, List<String> dropped) {
    }

    /** The ranges one rollup pass recomputed, [from, to); nulls where nothing was due. */
    public record Rollup(Instant minutesFrom, Instant minutesTo, Instant hoursFrom, Instant hoursTo) {
    }

    private final DSLContext dsl;
    private final MetricsConfiguration config;

    NativeStorage(DSLContext dsl, MetricsConfiguration config) {
        this.dsl = dsl;
        this.config = config;
    }

    List<Table> tables() {
        return List.of(new Table("metric_samples", ChronoUnit.DAYS, config.rawRetention()),
                new Table("metric_1m", ChronoUnit.DAYS, config.minuteRetention()),
                new Table("metric_1h", ChronoUnit.MONTHS, config.hourRetention()));
    }

    /**
     * Creates every partition from the retention horizon to {@code partitionsAhead} days after {@code now} and drops
     * those entirely older than retention. Idempotent; one replica at a time (a transaction-scoped advisory lock).
     */
    public Maintenance maintainPartitions(Instant now) {
        List<String> created = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            if (!lock(db, "partitions")) {
                return;
            }
            for (Table table : tables()) {
                LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
                LocalDate from = table.periodStart(LocalDate.ofInstant(now.minus(table.retention()), ZoneOffset.UTC));
                LocalDate until = today.plusDays(config.partitionsAhead());
                for (LocalDate start = from; !start.isAfter(until); start = table.next(start)) {
                    String name = table.name() + "_p" + start.format(SUFFIX);
                    if (db.fetchExists(DSL.selectOne().from("pg_class").where("relname = ?", name))) {
                        continue;
                    }
                    db.execute("CREATE TABLE " + name + " PARTITION OF " + table.name()
                            + " FOR VALUES FROM ('" + start + " 00:00:00+00') TO ('" + table.next(start) + " 00:00:00+00')");
                    created.add(name);
                }
                Instant horizon = now.minus(table.retention());
                for (String child : db.fetch("SELECT c.relname::text FROM pg_inherits i "
                                + "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
                                + "WHERE p.relname = ?", table.name()).getValues(0, String.class)) {
                    Matcher m = PARTITION.matcher(child);
                    if (!m.matches()) {
                        continue;
                    }
                    LocalDate start = LocalDate.parse(m.group(2), SUFFIX);
                    Instant end = table.next(start).atStartOfDay(ZoneOffset.UTC).toInstant();
                    if (!end.isAfter(horizon)) {
                        db.execute("DROP TABLE " + child);
                        dropped.add(child);
                    }
                }
            }
        });
        if (!created.isEmpty() || !dropped.isEmpty()) {
            LOG.info("Metric partitions: created {}, dropped {} (past retention)", created, dropped);
        }
        return new Maintenance(created, dropped);
    }

    /**
     * Recomputes the 1-minute rollup for every closed minute since the dirty mark, then the 1-hour rollup for every
     * closed hour since its own mark. The marks are claimed (moved to the open minute / hour) in a short transaction
     * first, so ingest never waits for a long rollup; a sample stored meanwhile lowers them again and is picked up
     * by the next pass. A failed pass gives its claim back.
     */
    public Rollup rollUp(Instant now) {
        Instant openMinute = now.truncatedTo(ChronoUnit.MINUTES);
        Instant openHour = now.truncatedTo(ChronoUnit.HOURS);
        Instant[] claim = dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            if (!lock(db, "rollup")) {
                return new Instant[2];
            }
            Record marks = db.resultQuery("SELECT dirty_from, dirty_hours_from FROM metric_rollup_dirty FOR UPDATE").fetchOne();
            Instant minutes = due(marks.get(0, OffsetDateTime.class), ChronoUnit.MINUTES, openMinute);
            Instant hours = due(marks.get(1, OffsetDateTime.class), ChronoUnit.HOURS, openHour);
            if (minutes != null) {
                db.execute("UPDATE metric_rollup_dirty SET dirty_from = ?::timestamptz", utc(openMinute));
            }
            if (hours != null) {
                db.execute("UPDATE metric_rollup_dirty SET dirty_hours_from = ?::timestamptz", utc(openHour));
            }
            return new Instant[] {minutes, hours};
        });
        Instant minutesFrom = claim[0];
        Instant hoursFrom = claim[1];
        try {
            dsl.transaction(tx -> {
                DSLContext db = tx.dsl();
                if (minutesFrom != null) {
                    db.execute("INSERT INTO metric_1m (bucket, node_id, name, instance, value_avg, value_min, value_max, samples) "
                                    + "SELECT date_trunc('minute', time), node_id, name, instance, avg(value), min(value), max(value), count(*) "
                                    + "FROM metric_samples WHERE time >= ?::timestamptz AND time < ?::timestamptz GROUP BY 1, 2, 3, 4 "
                                    + "ON CONFLICT (node_id, name, instance, bucket) DO UPDATE SET value_avg = EXCLUDED.value_avg, "
                                    + "value_min = EXCLUDED.value_min, value_max = EXCLUDED.value_max, samples = EXCLUDED.samples",
                            utc(minutesFrom), utc(openMinute));
                }
                if (hoursFrom != null) {
                    db.execute("INSERT INTO metric_1h (bucket, node_id, name, instance, value_avg, value_min, value_max, samples) "
                                    + "SELECT date_trunc('hour', bucket), node_id, name, instance, sum(value_avg * samples) / sum(samples), "
                                    + "min(value_min), max(value_max), sum(samples) "
                                    + "FROM metric_1m WHERE bucket >= ?::timestamptz AND bucket < ?::timestamptz GROUP BY 1, 2, 3, 4 "
                                    + "ON CONFLICT (node_id, name, instance, bucket) DO UPDATE SET value_avg = EXCLUDED.value_avg, "
                                    + "value_min = EXCLUDED.value_min, value_max = EXCLUDED.value_max, samples = EXCLUDED.samples",
                            utc(hoursFrom), utc(openHour));
                }
            });
        } catch (RuntimeException e) {
            // Give the claim back, so the next pass does this work.
            if (minutesFrom != null) {
                dsl.execute("UPDATE metric_rollup_dirty SET dirty_from = least(coalesce(dirty_from, ?::timestamptz), ?::timestamptz)",
                        utc(minutesFrom), utc(minutesFrom));
            }
            if (hoursFrom != null) {
                dsl.execute("UPDATE metric_rollup_dirty SET dirty_hours_from = least(coalesce(dirty_hours_from, ?::timestamptz), ?::timestamptz)",
                        utc(hoursFrom), utc(hoursFrom));
            }
            throw e;
        }
        return new Rollup(minutesFrom, minutesFrom == null ? null : openMinute, hoursFrom,
                hoursFrom == null ? null : openHour);
    }

    /** The start of the first closed bucket to recompute, or null when the mark is unset or in the open bucket. */
    private static Instant due(OffsetDateTime mark, ChronoUnit unit, Instant open) {
        if (mark == null) {
            return null;
        }
        Instant from = mark.toInstant().truncatedTo(unit);
        return from.isBefore(open) ? from : null;
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /** One replica at a time; the lock ends with the transaction. */
    static boolean lock(DSLContext db, String what) {
        return Boolean.TRUE.equals(db.resultQuery("SELECT pg_try_advisory_xact_lock(hashtext(?))",
                "octofleet.metrics." + what).fetchOne(0, Boolean.class));
    }
}
