package io.octofleet.server.groups;

import io.octofleet.server.organizations.OrganizationId;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.nodes.NodeId;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A named set of nodes. A static group has {@code nodeIds} (its members, sorted) and no rule; a dynamic group has a
 * {@code rule} and null {@code nodeIds}: its members are whatever the rule selects now
 * ({@code GET /api/v1/groups/{id}/nodes}).
 */
@Serdeable
public record Group(UUID id, String organization, String name, GroupKind kind, @Nullable String rule,
                    @Nullable List<NodeId> nodeIds, Instant createdAt,
                    @com.fasterxml.jackson.annotation.JsonIgnore OrganizationId organizationId) {
    public Group {
        nodeIds = nodeIds == null ? null : List.copyOf(nodeIds);
    }
}
