package io.octofleet.server.parameters;

import io.octofleet.server.organizations.OrganizationId;
import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.nodes.NodeId;

import java.util.UUID;

/**
 * Where a parameter is set: a whole organization (both ids null: "global"), one group, or one node — always within
 * the organization that the group or node belongs to.
 */
record ParameterOwner(OrganizationId organization, @Nullable UUID groupId, @Nullable NodeId nodeId) {
    static ParameterOwner global(OrganizationId organization) {
        return new ParameterOwner(organization, null, null);
    }

    ParameterOwner {
        if (groupId != null && nodeId != null) {
            throw new IllegalArgumentException("a parameter belongs to a group or a node, not both");
        }
    }

    static ParameterOwner group(OrganizationId organization, UUID id) {
        return new ParameterOwner(organization, id, null);
    }

    static ParameterOwner node(OrganizationId organization, NodeId id) {
        return new ParameterOwner(organization, null, id);
    }

    /** The {@code source} of an effective parameter: {@code node}, {@code group:<id>} or {@code global}. */
    String source() {
        return nodeId != null ? "node" : groupId != null ? "group:" + groupId : "global";
    }

    /** For messages: {@code node <id>}, {@code group <id>}, {@code global}. */
    String describe() {
        return nodeId != null ? "node " + nodeId : groupId != null ? "group " + groupId : "global";
    }

    /** Binds a sealed secret to its row: the owner and the key, as associated data of the encryption. */
    String sealingContext(String key) {
        return (nodeId != null ? "node:" + nodeId : groupId != null ? "group:" + groupId : "global") + "/" + key;
    }
}
