package io.octofleet.server.agents;

import io.grpc.Status;
import io.micronaut.runtime.event.annotation.EventListener;
import io.octofleet.server.jobs.AgentCommand;
import io.octofleet.server.jobs.AgentLink;
import io.octofleet.server.nodes.NodeDeleted;
import io.octofleet.server.nodes.NodeId;
import jakarta.inject.Singleton;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The agent sessions open on this server replica, by node. Lets the server cut a deleted node off at once and
 * replace a stale session when the same agent reconnects, and is how the job engine reaches agents connected here.
 */
@Singleton
final class SessionRegistry implements AgentLink {
    private final ConcurrentMap<NodeId, AgentSession> sessions = new ConcurrentHashMap<>();

    /** Registers a new session; an older one of the same node (half-open connection) is closed. */
    void register(AgentSession session) {
        AgentSession previous = sessions.put(session.node(), session);
        if (previous != null && previous != session) {
            previous.terminate(Status.ABORTED.withDescription("superseded by a newer session of the same agent"));
        }
    }

    void unregister(AgentSession session) {
        sessions.remove(session.node(), session);
    }

    @Override
    public boolean connected(NodeId node) {
        return sessions.containsKey(node);
    }

    @Override
    public boolean send(NodeId node, AgentCommand command) {
        AgentSession session = sessions.get(node);
        return session != null && session.command(command);
    }

    int size() {
        return sessions.size();
    }

    /** Ends every session (server shutdown): agents see UNAVAILABLE and reconnect, to this or another replica. */
    void terminateAll(Status status) {
        sessions.values().forEach(session -> session.terminate(status));
        sessions.clear();
    }

    @EventListener
    void onNodeDeleted(NodeDeleted event) {
        AgentSession session = sessions.remove(event.node());
        if (session != null) {
            session.terminate(Status.UNAUTHENTICATED.withDescription("node " + event.node() + " was deleted and its certificate revoked"));
        }
    }
}
