package io.octofleet.server.metrics;

import io.octofleet.server.TestServer;
import io.octofleet.server.nodes.NodeId;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The native storage path as CI runs it: partitions ahead and past retention, and rollups, on real PostgreSQL. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NativeStorageTest {
    static TestServer server;
    static DSLContext db;
    static NativeStorage storage;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("octofleet.metrics.maintenance-interval", "1h"));
        db = server.bean(DSLContext.class);
        storage = server.bean(NativeStorage.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    @Order(1)
    void theServerStartsWithPartitionsFromTheRetentionHorizonToDaysAhead() {
        assertThat(server.bean(MetricsMaintainer.class).kind()).isEqualTo(StorageKind.NATIVE);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertThat(partitions("metric_samples")).contains(name("metric_samples", today.minusDays(7)),
                name("metric_samples", today), name("metric_samples", today.plusDays(3)));
        assertThat(partitions("metric_1m")).contains(name("metric_1m", today.minusDays(31)), name("metric_1m", today));
        assertThat(partitions("metric_1h")).contains(name("metric_1h", today.withDayOfMonth(1)));
        assertThat(storage.maintainPartitions(Instant.now()).created()).as("idempotent").isEmpty();
    }

    @Test
    @Order(2)
    void rollupsHoldTheMeanMinimumMaximumAndCountOfEveryClosedMinuteAndHourAndPickUpLateBatches() throws Exception {
        NodeId node = server.createNode("rollup-host");
        Instant now = Instant.now();
        Instant hour = now.truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.HOURS);
        StoredSamples.store(server, node, 1, hour.plusSeconds(10), "cpu.usage", "", 10);
        StoredSamples.store(server, node, 2, hour.plusSeconds(40), "cpu.usage", "", 20);
        StoredSamples.store(server, node, 3, hour.plusSeconds(70), "cpu.usage", "", 60);
        StoredSamples.store(server, node, 4, hour.plus(1, ChronoUnit.HOURS).plusSeconds(5), "cpu.usage", "", 100);

        NativeStorage.Rollup pass = storage.rollUp(now);
        assertThat(pass.minutesFrom()).isBeforeOrEqualTo(hour);
        assertThat(pass.minutesTo()).isEqualTo(now.truncatedTo(ChronoUnit.MINUTES));

        assertThat(minute(node, hour)).isEqualTo(List.of(15.0, 10.0, 20.0, 2.0));
        assertThat(minute(node, hour.plusSeconds(60))).isEqualTo(List.of(60.0, 60.0, 60.0, 1.0));
        // The hour is the mean of its samples (not of its minutes' means): (10 + 20 + 60) / 3.
        assertThat(rollup("metric_1h", node, hour)).isEqualTo(List.of(30.0, 10.0, 60.0, 3.0));
        assertThat(rollup("metric_1h", node, hour.plus(1, ChronoUnit.HOURS))).isEqualTo(List.of(100.0, 100.0, 100.0, 1.0));
        assertThat(storage.rollUp(now).minutesFrom()).as("nothing new: nothing recomputed").isNull();

        // A batch replayed late from an agent's spool lands in minutes and an hour already rolled up.
        StoredSamples.store(server, node, 5, hour.plusSeconds(20), "cpu.usage", "", 90);
        storage.rollUp(Instant.now());
        assertThat(minute(node, hour)).isEqualTo(List.of(40.0, 10.0, 90.0, 3.0));
        assertThat(rollup("metric_1h", node, hour)).isEqualTo(List.of(45.0, 10.0, 90.0, 4.0));

        // The API reads the rollups for a coarse step and the raw samples for the minutes they may not hold yet.
        StoredSamples.store(server, node, 6, now.minusSeconds(5), "cpu.usage", "", 7);
        var series = server.bean(MetricQueries.class).node(node, List.of("cpu.usage"), hour, now.plusSeconds(1),
                java.time.Duration.ofHours(1));
        assertThat(series).hasSize(1);
        assertThat(series.get(0).points()).extracting(MetricQueries.Point::max).containsExactly(90.0, 100.0, 7.0);
    }

    @Test
    @Order(3)
    void partitionsPastRetentionAreDroppedWholeAndNewOnesCreatedAhead() {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Instant later = Instant.now().plus(10, ChronoUnit.DAYS);
        assertThat(db.fetchOne("SELECT count(*) FROM metric_samples").get(0, Long.class)).isPositive();

        NativeStorage.Maintenance done = storage.maintainPartitions(later);

        assertThat(done.dropped()).contains(name("metric_samples", today), name("metric_samples", today.minusDays(7)))
                .doesNotContain(name("metric_samples", today.plusDays(4)), name("metric_1m", today));
        assertThat(done.created()).contains(name("metric_samples", today.plusDays(13)));
        // A new partition gets the time index the rollups find their window's pages with, not a read of the whole day.
        assertThat(db.fetch("SELECT indexdef FROM pg_indexes WHERE tablename = ?",
                        name("metric_samples", today.plusDays(13))).getValues(0, String.class))
                .anySatisfy(index -> assertThat(index).contains("USING brin (\"time\")"))
                // Keyed by node, then time: a node's batch goes to one place in the index, not one per series (V15).
                .anySatisfy(index -> assertThat(index).contains("USING btree (node_id, \"time\")"))
                .noneSatisfy(index -> assertThat(index).contains("(node_id, name"));
        assertThat(db.fetch("SELECT indexdef FROM pg_indexes WHERE tablename = ?",
                        name("metric_1m", today.plusDays(13))).getValues(0, String.class))
                .anySatisfy(index -> assertThat(index).contains("UNIQUE INDEX").contains("(node_id, bucket, name, instance)"));
        assertThat(partitions("metric_samples")).doesNotContain(name("metric_samples", today));
        assertThat(db.fetchOne("SELECT count(*) FROM metric_samples WHERE time < now() + interval '1 day'")
                .get(0, Long.class)).as("today's samples went with their partition").isZero();
        assertThat(db.fetchOne("SELECT count(*) FROM metric_1m").get(0, Long.class))
                .as("the 1-minute rollup is kept longer than raw samples").isPositive();
    }

    private static List<Double> minute(NodeId node, Instant bucket) {
        return rollup("metric_1m", node, bucket);
    }

    private static List<Double> rollup(String table, NodeId node, Instant bucket) {
        Record r = db.fetchOne("SELECT value_avg, value_min, value_max, samples::float8 FROM " + table
                + " WHERE node_id = ? AND name = 'cpu.usage' AND bucket = ?::timestamptz", node.value(),
                OffsetDateTime.ofInstant(bucket, ZoneOffset.UTC));
        assertThat(r).as(table + " at " + bucket).isNotNull();
        return List.of(r.get(0, Double.class), r.get(1, Double.class), r.get(2, Double.class), r.get(3, Double.class));
    }

    private static List<String> partitions(String table) {
        return db.fetch("SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ?", table).getValues(0, String.class);
    }

    private static String name(String table, LocalDate day) {
        return table + "_p" + day.format(DateTimeFormatter.BASIC_ISO_DATE);
    }

}
