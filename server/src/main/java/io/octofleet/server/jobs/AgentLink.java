package io.octofleet.server.jobs;

import io.octofleet.server.nodes.NodeId;

/** The job engine's way to agents: their live sessions on this server replica. */
public interface AgentLink {

    /** True when the node has a live session on this replica. */
    boolean connected(NodeId node);

    /** Queues the command on the node's live session; false when it has none here (nothing is sent). */
    boolean send(NodeId node, AgentCommand command);
}
