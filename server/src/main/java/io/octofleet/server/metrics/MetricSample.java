package io.octofleet.server.metrics;

import io.octofleet.server.nodes.NodeId;

import java.time.Instant;

/** One stored figure: a row of {@code metric_samples}. */
public record MetricSample(Instant time, NodeId node, String name, String instance, double value) {
}
