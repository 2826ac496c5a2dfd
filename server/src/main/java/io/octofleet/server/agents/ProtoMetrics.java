package io.octofleet.server.agents;

import io.octofleet.proto.agent.v1.MetricValue;
import io.octofleet.server.metrics.MetricBatch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The wire's MetricBatch to the server's (proto types stop here). */
final class ProtoMetrics {
    private ProtoMetrics() {
    }

    static MetricBatch fromProto(io.octofleet.proto.agent.v1.MetricBatch batch) {
        List<MetricBatch.Value> values = new ArrayList<>(batch.getValuesCount());
        for (MetricValue v : batch.getValuesList()) {
            values.add(new MetricBatch.Value(v.getName(), v.getInstance(), v.getValue()));
        }
        return new MetricBatch(batch.getSpoolId(), batch.getBatchSeq(), Instant.ofEpochMilli(batch.getAtUnixMs()),
                batch.getDroppedSamplesBefore(), values);
    }
}
