package io.octofleet.agent.session;

import io.grpc.ManagedChannel;
import io.octofleet.agent.identity.AgentIdentity;

import java.io.IOException;

/**
 * Opens a channel to the server with a given identity. A new channel per identity, because a renewed certificate
 * means a new TLS context. Production uses {@link #mutualTls}; tests pass an in-process channel.
 */
@FunctionalInterface
public interface ChannelFactory {
    ManagedChannel open(AgentIdentity identity) throws IOException;

    static ChannelFactory mutualTls(ServerAddress server) {
        return identity -> Channels.mutualTls(server, identity);
    }
}
