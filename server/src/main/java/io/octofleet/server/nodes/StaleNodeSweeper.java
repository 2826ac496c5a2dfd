package io.octofleet.server.nodes;

import io.micronaut.context.annotation.Value;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/** Turns nodes offline whose agents stopped heartbeating without closing their session. */
@Singleton
final class StaleNodeSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(StaleNodeSweeper.class);

    private final NodeService nodes;
    private final Duration heartbeatInterval;

    StaleNodeSweeper(NodeService nodes, @Value("${octofleet.grpc.heartbeat-interval:15s}") Duration heartbeatInterval) {
        this.nodes = nodes;
        this.heartbeatInterval = heartbeatInterval;
    }

    @Scheduled(fixedDelay = "5s", initialDelay = "5s")
    void sweep() {
        int stale = nodes.markStale(heartbeatInterval);
        if (stale > 0) {
            LOG.info("Marked {} node(s) offline: no heartbeat for {}", stale, heartbeatInterval.multipliedBy(2));
        }
    }
}
