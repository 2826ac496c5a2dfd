package io.octofleet.server.inventory;

import io.octofleet.server.nodes.NodeId;

import java.util.List;

/**
 * What {@link InventoryService#store} did: {@code stored} is false when the node already had an inventory with the
 * reported hash and nothing was written; {@code changes} are the history entries appended (empty when only volatile
 * values such as free space moved).
 */
public record InventoryUpdate(NodeId node, boolean stored, List<InventoryChange> changes) {
    public InventoryUpdate {
        changes = List.copyOf(changes);
    }
}
