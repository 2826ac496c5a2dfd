package io.octofleet.server.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Figures that live in the database, not in one replica's memory: job runs by state (latest attempts) and nodes
 * online. Read at most every {@link #MAX_AGE} (a scrape every few seconds costs one query per interval, whatever the
 * number of scrapers), so every replica reports the same fleet-wide numbers.
 */
@Singleton
public class FleetGauges {
    private static final Logger LOG = LoggerFactory.getLogger(FleetGauges.class);
    static final Duration MAX_AGE = Duration.ofSeconds(10);

    private final DSLContext dsl;
    private final MultiGauge runs;
    private final MultiGauge nodes;
    private long readAt;

    FleetGauges(DSLContext dsl, MeterRegistry registry) {
        this.dsl = dsl;
        this.runs = MultiGauge.builder("octofleet.job.runs").description("Job runs (latest attempts) by state")
                .register(registry);
        this.nodes = MultiGauge.builder("octofleet.nodes").description("Enrolled nodes by status").register(registry);
    }

    synchronized void refreshIfStale() {
        long now = System.nanoTime();
        if (readAt != 0 && now - readAt < MAX_AGE.toNanos()) {
            return;
        }
        try {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String state : List.of("queued", "sent", "running", "succeeded", "failed", "timed_out", "cancelled", "unreachable")) {
                counts.put(state, 0L);
            }
            for (Record r : dsl.fetch("SELECT status, count(*) FROM job_runs WHERE NOT superseded GROUP BY status")) {
                counts.put(r.get(0, String.class), r.get(1, Long.class));
            }
            List<MultiGauge.Row<?>> byState = new ArrayList<>();
            counts.forEach((state, count) -> byState.add(MultiGauge.Row.of(Tags.of("state", state), count)));
            runs.register(byState, true);
            Record n = dsl.fetchOne("SELECT count(*) FILTER (WHERE online), count(*) FILTER (WHERE NOT online) FROM nodes");
            nodes.register(List.of(MultiGauge.Row.of(Tags.of("status", "online"), n.get(0, Long.class)),
                    MultiGauge.Row.of(Tags.of("status", "offline"), n.get(1, Long.class))), true);
            readAt = now;
        } catch (RuntimeException e) {
            LOG.warn("Cannot read fleet gauges: {}", e.toString());
        }
    }
}
