package io.octofleet.server.agents;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import java.net.SocketAddress;

/** Makes the caller's address visible to service methods (ServerCall attributes are not), for the logs. */
final class RemoteAddressInterceptor implements ServerInterceptor {
    static final Context.Key<SocketAddress> REMOTE_ADDRESS = Context.key("octofleet-remote-address");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        Context context = Context.current().withValue(REMOTE_ADDRESS, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        return Contexts.interceptCall(context, call, headers, next);
    }
}
