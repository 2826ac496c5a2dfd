package io.octofleet.server.metrics;

import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.nodes.NodeId;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.QueryPart;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads series back, downsampled to a step: per node, or aggregated over the nodes of a scope. The same SQL serves
 * both storage paths (the rollups have the same names and columns on both). A range is read from the coarsest
 * source that fits the step ({@link Resolution}); the part a rollup does not hold yet (after its dirty mark, and the
 * open bucket) is read from the next finer source and merged, so the newest points are never missing.
 */
@Singleton
public class MetricQueries {
    /** The most points one series may have in one answer. */
    public static final int MAX_POINTS = 11_000;

    @Serdeable
    public record Point(Instant time, double avg, double min, double max) {
    }

    @Serdeable
    public record Series(String name, String instance, String key, List<Point> points) {
    }

    private final DSLContext dsl;
    private final MetricsConfiguration config;
    private final boolean nativeRollups;
    private final Clock clock;

    MetricQueries(DSLContext dsl, MetricsConfiguration config, MetricsMaintainer maintainer) {
        this.dsl = dsl;
        this.config = config;
        this.nativeRollups = maintainer.kind() == StorageKind.NATIVE;
        this.clock = Clock.systemUTC();
    }

    /** One series per (name, instance) of {@code node}, points every {@code step} in [from, to). */
    public List<Series> node(NodeId node, List<String> names, Instant from, Instant to, Duration step) {
        Instant now = clock.instant();
        QueryPart source = source(Resolution.choose(from, step, now, config), from, to, now,
                DSL.condition("node_id = {0}", DSL.val(node.value())), names);
        Map<String, Series> series = new LinkedHashMap<>();
        for (Record r : dsl.resultQuery("SELECT date_bin({0}::interval, s.bucket, TIMESTAMPTZ '2000-01-01') AS t, s.name, s.instance, "
                        + "sum(s.wsum) / sum(s.samples) AS avg, min(s.vmin) AS min, max(s.vmax) AS max "
                        + "FROM ({1}) s GROUP BY 1, 2, 3 ORDER BY 2, 3, 1",
                DSL.val(interval(step)), source)) {
            String name = r.get(1, String.class);
            String instance = r.get(2, String.class);
            series.computeIfAbsent(name + "\u0000" + instance, k -> new Series(name, instance, instance, new ArrayList<>()))
                    .points().add(point(r, 3));
        }
        return List.copyOf(series.values());
    }

    /** How a fleet query groups nodes. */
    public enum By { NONE, ORGANIZATION, OS, NODE, INSTANCE }

    /**
     * {@code name} over the nodes matching {@code nodes} (a condition on {@code public.nodes}), one series per key
     * of {@code by}. {@code avg} is the mean of all samples in the bucket, min and max their extremes.
     */
    public List<Series> fleet(String name, Condition nodes, By by, Instant from, Instant to, Duration step) {
        Instant now = clock.instant();
        QueryPart source = source(Resolution.choose(from, step, now, config), from, to, now, DSL.noCondition(),
                List.of(name));
        String key = switch (by) {
            case NONE -> "''";
            case ORGANIZATION -> "o.name";
            case OS -> "coalesce(os.name || ' ' || os.version, 'unknown')";
            case NODE -> "n.hostname || ' (' || n.id || ')'";
            case INSTANCE -> "s.instance";
        };
        Map<String, Series> series = new LinkedHashMap<>();
        for (Record r : dsl.resultQuery("SELECT date_bin({0}::interval, s.bucket, TIMESTAMPTZ '2000-01-01') AS t, "
                        + key + " AS key, sum(s.wsum) / sum(s.samples) AS avg, min(s.vmin) AS min, max(s.vmax) AS max "
                        + "FROM ({1}) s JOIN public.nodes n ON n.id = s.node_id "
                        + "JOIN organizations o ON o.id = n.organization_id "
                        + "LEFT JOIN node_os os ON os.node_id = n.id "
                        + "WHERE {2} GROUP BY 1, 2 ORDER BY 2, 1",
                DSL.val(interval(step)), source,
                DSL.condition("n.id IN (SELECT nodes.id FROM public.nodes WHERE {0})", nodes))) {
            String k = r.get(1, String.class);
            series.computeIfAbsent(k, x -> new Series(name, "", k, new ArrayList<>())).points().add(point(r, 2));
        }
        return List.copyOf(series.values());
    }

    /**
     * Rows (bucket, node_id, name, instance, wsum, samples, vmin, vmax) for [from, to) at {@code resolution}, with
     * the part a rollup may not hold yet read from the finer source.
     */
    private QueryPart source(Resolution resolution, Instant from, Instant to, Instant now, Condition where,
                             List<String> names) {
        Condition named = DSL.condition("name = ANY({0})", DSL.val(names.toArray(String[]::new)));
        List<QueryPart> parts = new ArrayList<>();
        Instant[] complete = rolledUpBefore(now);
        Instant rawFrom = from;
        if (resolution == Resolution.HOUR) {
            Instant cut = min(to, complete[1]);
            parts.add(rollup("metric_1h", from, cut, where, named));
            rawFrom = max(from, cut);
        }
        if (resolution != Resolution.RAW) {
            Instant start = rawFrom;
            Instant cut = max(start, min(to, complete[0]));
            parts.add(rollup("metric_1m", start, cut, where, named));
            rawFrom = cut;
        }
        parts.add(DSL.sql("SELECT time AS bucket, node_id, name, instance, value AS wsum, 1::bigint AS samples, "
                        + "value AS vmin, value AS vmax FROM metric_samples WHERE time >= {0} AND time < {1} AND {2} AND {3}",
                DSL.val(utc(rawFrom)), DSL.val(utc(to)), where, named));
        QueryPart union = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            union = DSL.sql("{0} UNION ALL {1}", union, parts.get(i));
        }
        return union;
    }

    /**
     * Where the rollups are complete: {1-minute, 1-hour}. Natively, every bucket before the dirty marks is rolled up
     * (a sample not rolled up yet holds its mark at or before its own time), and the open bucket never is. On
     * TimescaleDB the continuous aggregates are real-time, so only the open bucket is left to the finer source.
     */
    private Instant[] rolledUpBefore(Instant now) {
        Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
        Instant hour = now.truncatedTo(ChronoUnit.HOURS);
        if (nativeRollups) {
            Record marks = dsl.fetchOne("SELECT dirty_from, dirty_hours_from FROM metric_rollup_dirty");
            OffsetDateTime dirty = marks.get(0, OffsetDateTime.class);
            OffsetDateTime dirtyHours = marks.get(1, OffsetDateTime.class);
            if (dirty != null && dirty.toInstant().isBefore(minute)) {
                minute = dirty.toInstant().truncatedTo(ChronoUnit.MINUTES);
            }
            if (dirtyHours != null && dirtyHours.toInstant().isBefore(hour)) {
                hour = dirtyHours.toInstant().truncatedTo(ChronoUnit.HOURS);
            }
        }
        return new Instant[] {minute, hour};
    }

    private static QueryPart rollup(String table, Instant from, Instant to, Condition where, Condition named) {
        return DSL.sql("SELECT bucket, node_id, name, instance, value_avg * samples AS wsum, samples, "
                        + "value_min AS vmin, value_max AS vmax FROM " + table
                        + " WHERE bucket >= {0} AND bucket < {1} AND {2} AND {3}",
                DSL.val(utc(from)), DSL.val(utc(to)), where, named);
    }

    /** A row (time, ..., avg, min, max) with avg at {@code avg}. */
    private static Point point(Record r, int avg) {
        return new Point(r.get(0, OffsetDateTime.class).toInstant(), r.get(avg, Double.class), r.get(avg + 1, Double.class),
                r.get(avg + 2, Double.class));
    }

    static String interval(Duration step) {
        return step.toMillis() + " milliseconds";
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
