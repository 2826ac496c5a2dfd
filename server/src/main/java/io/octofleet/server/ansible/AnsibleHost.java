package io.octofleet.server.ansible;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.nodes.NodeId;

import java.util.List;

/** What the inventory needs of a node: one row of the fleet, with its first usable IPv4 address if it reported one. */
record AnsibleHost(NodeId id, String hostname, boolean online, @Nullable String osFamily, List<String> tags,
                   @Nullable String ipv4) {
    AnsibleHost {
        tags = List.copyOf(tags);
    }
}
