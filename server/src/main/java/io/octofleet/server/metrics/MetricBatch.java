package io.octofleet.server.metrics;

import java.time.Instant;
import java.util.List;

/**
 * One batch as an agent sent it (session.proto MetricBatch, converted at the boundary).
 *
 * @param droppedBefore samples the agent dropped from its full spool since its previous batch
 */
public record MetricBatch(String spoolId, long seq, Instant at, long droppedBefore, List<Value> values) {
    public MetricBatch {
        values = List.copyOf(values);
    }

    public record Value(String name, String instance, double value) {
    }
}
