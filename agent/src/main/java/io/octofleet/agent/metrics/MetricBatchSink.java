package io.octofleet.agent.metrics;

import io.octofleet.proto.agent.v1.MetricBatch;

/** Where the {@link MetricsShipper} sends batches: the live session's bulk lane. One sink per session. */
public interface MetricBatchSink {

    /** Whether the sink takes more now. Never throws. */
    boolean hasRoom();

    /** Queues {@code batch} for sending. Never throws; a batch lost with its session is sent again later. */
    void send(MetricBatch batch);
}
