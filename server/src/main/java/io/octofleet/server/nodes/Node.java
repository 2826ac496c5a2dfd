package io.octofleet.server.nodes;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.inventory.Inventory;

import java.time.Instant;
import java.util.List;

/**
 * A managed host as the fleet list shows it, with the name of its organization. {@code agentKind} is
 * {@code octofleet} or {@code legacy} (a Python-era agent reporting over HTTP, docs/migration.md); {@code os} is null
 * until the first inventory report; {@code tags} are sorted.
 */
@Serdeable
public record Node(NodeId id, String organization, String hostname, NodeStatus status, @Nullable Instant lastSeen,
                   String agentVersion, String agentKind,
                   @Nullable Inventory.OperatingSystem os, Instant enrolledAt, List<String> tags) {
    public Node {
        tags = List.copyOf(tags);
    }
}
