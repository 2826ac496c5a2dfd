package io.octofleet.server.targeting;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.nodes.NodeId;

import java.util.List;
import java.util.UUID;

/**
 * What a job (or anything else) is aimed at: explicit nodes, groups, tags and a rule (docs/targeting.md). A node is
 * targeted when any of them selects it. Null lists are read as empty.
 */
@Serdeable
public record Targets(List<NodeId> nodeIds, List<UUID> groupIds, List<String> tags, @Nullable String query) {
    public Targets {
        nodeIds = nodeIds == null ? List.of() : List.copyOf(nodeIds);
        groupIds = groupIds == null ? List.of() : List.copyOf(groupIds);
        tags = tags == null ? List.of() : List.copyOf(tags);
        query = query == null || query.isBlank() ? null : query;
    }

    /** True when nothing at all is targeted. */
    public boolean isEmpty() {
        return nodeIds.isEmpty() && groupIds.isEmpty() && tags.isEmpty() && query == null;
    }
}
