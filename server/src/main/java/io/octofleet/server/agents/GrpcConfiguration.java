package io.octofleet.server.agents;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * {@code octofleet.grpc.*}: the agent endpoint. {@code port} 0 binds a free port (tests). {@code advertiseAddress}
 * is the host name agents dial, used in join commands and added to the server certificate; when empty, join
 * commands use the host the operator reached the API at. ({@code certificate-ttl} belongs to enrollment, which
 * issues the certificates.)
 */
@ConfigurationProperties("octofleet.grpc")
public record GrpcConfiguration(@Bindable(defaultValue = "9090") int port,
                                @Nullable String advertiseAddress,
                                @Bindable(defaultValue = "15s") Duration heartbeatInterval) {
}
