package io.octofleet.server.enrollment;

import io.micronaut.core.annotation.Nullable;

/** Where agents dial in; implemented by the gRPC server. Declared here, beside the join commands that need it. */
public interface AgentEndpoint {
    /** The port agents connect to. */
    int port();

    /** The host name configured for agents to dial, or null to use the host the operator reached the API at. */
    @Nullable
    String advertisedHost();
}
