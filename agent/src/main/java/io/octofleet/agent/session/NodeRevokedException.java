package io.octofleet.agent.session;

/** The server no longer accepts this agent's identity (node deleted or certificate revoked). */
public final class NodeRevokedException extends Exception {
    NodeRevokedException(String message) {
        super(message);
    }
}
