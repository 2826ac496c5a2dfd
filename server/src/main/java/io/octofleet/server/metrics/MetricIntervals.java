package io.octofleet.server.metrics;

import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.parameters.ParameterService;
import io.octofleet.server.parameters.ResolvedParameter;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * How often a node's agent samples: the node's {@value #PARAMETER} parameter in seconds (set on its organization,
 * one of its groups or the node itself, with the usual inheritance), else {@code octofleet.metrics.interval}.
 * Told to the agent at every session start.
 */
@Singleton
public class MetricIntervals {
    private static final Logger LOG = LoggerFactory.getLogger(MetricIntervals.class);
    public static final String PARAMETER = "OCTOFLEET_METRICS_INTERVAL";
    static final int MIN_SECONDS = 1;
    static final int MAX_SECONDS = 3600;

    private final ParameterService parameters;
    private final MetricsConfiguration config;

    MetricIntervals(ParameterService parameters, MetricsConfiguration config) {
        this.parameters = parameters;
        this.config = config;
    }

    public Duration forNode(NodeId node) {
        ResolvedParameter set;
        try {
            set = parameters.effectiveFor(node).get(PARAMETER);
        } catch (RuntimeException e) {
            LOG.warn("node {}: cannot resolve {} ({}); using {}", node, PARAMETER, e.getMessage(), config.interval());
            return config.interval();
        }
        if (set == null) {
            return config.interval();
        }
        try {
            int seconds = Integer.parseInt(set.value().strip());
            if (seconds >= MIN_SECONDS && seconds <= MAX_SECONDS) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        LOG.warn("node {}: {}={} (from {}) is not a number of seconds in {}..{}; using {}", node, PARAMETER,
                set.value(), set.source(), MIN_SECONDS, MAX_SECONDS, config.interval());
        return config.interval();
    }
}
