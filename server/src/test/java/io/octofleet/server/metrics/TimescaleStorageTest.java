package io.octofleet.server.metrics;

import io.octofleet.server.TestServer;
import io.octofleet.server.nodes.NodeId;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TimescaleDB path, against a real PostgreSQL with TimescaleDB named by {@code OCTOFLEET_TEST_DB_URL} (an empty
 * database; {@code OCTOFLEET_TEST_DB_USER}, {@code OCTOFLEET_TEST_DB_PASSWORD}). Skipped without it: the build
 * machines have no TimescaleDB package. docs/metrics.md says how to run it.
 */
@EnabledIfEnvironmentVariable(named = "OCTOFLEET_TEST_DB_URL", matches = ".+")
class TimescaleStorageTest {
    static TestServer server;
    static DSLContext db;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("octofleet.db.url", System.getenv("OCTOFLEET_TEST_DB_URL"));
        properties.put("octofleet.db.user", System.getenv().getOrDefault("OCTOFLEET_TEST_DB_USER", ""));
        properties.put("octofleet.db.password", System.getenv().getOrDefault("OCTOFLEET_TEST_DB_PASSWORD", ""));
        server = TestServer.start(properties);
        db = server.bean(DSLContext.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theMigrationTookTheTimescalePathWithHypertableCompressionAndContinuousAggregates() {
        assertThat(server.bean(MetricsMaintainer.class).kind()).isEqualTo(StorageKind.TIMESCALEDB);
        assertThat(db.fetchOne("SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_name = 'metric_samples'")
                .get(0, Integer.class)).isEqualTo(1);
        assertThat(db.fetch("SELECT view_name::text FROM timescaledb_information.continuous_aggregates ORDER BY 1")
                .getValues(0, String.class)).containsExactly("metric_1h", "metric_1m");
        assertThat(server.bean(TimescaleStorage.class).policies()).anySatisfy(p -> assertThat(p).startsWith("metric_samples: policy_retention"))
                .anySatisfy(p -> assertThat(p).startsWith("metric_samples: policy_compression"))
                .anySatisfy(p -> assertThat(p).contains("policy_refresh_continuous_aggregate"));
    }

    @Test
    void samplesStoredThroughTheIngestAreReadBackRawAndRolledUpByTheSameQueries() throws Exception {
        NodeId node = server.createNode("timescale-host");
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(5, ChronoUnit.MINUTES);
        StoredSamples.store(server, node, 1, minute.plusSeconds(10), "cpu.usage", "", 10);
        StoredSamples.store(server, node, 2, minute.plusSeconds(40), "cpu.usage", "", 30);
        db.execute("CALL refresh_continuous_aggregate('metric_1m', NULL, NULL)");

        assertThat(db.fetchOne("SELECT value_avg, samples FROM metric_1m WHERE node_id = ? AND name = 'cpu.usage'",
                node.value()).intoArray()).containsExactly(20.0, 2L);
        MetricQueries queries = server.bean(MetricQueries.class);
        var raw = queries.node(node, List.of("cpu.usage"), minute, minute.plusSeconds(60), Duration.ofSeconds(30));
        assertThat(raw.get(0).points()).extracting(MetricQueries.Point::avg).containsExactly(10.0, 30.0);
        var rolled = queries.node(node, List.of("cpu.usage"), minute.minus(1, ChronoUnit.HOURS), minute.plusSeconds(60),
                Duration.ofMinutes(5));
        assertThat(rolled.get(0).points()).extracting(MetricQueries.Point::avg).containsExactly(20.0);
    }
}
