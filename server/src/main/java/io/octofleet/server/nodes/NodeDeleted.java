package io.octofleet.server.nodes;

/**
 * Published after a node was deleted and its certificates revoked, so whoever holds a live agent session for it
 * (the gRPC session layer) can cut it instead of waiting for the next certificate check.
 */
public record NodeDeleted(NodeId node) {
}
