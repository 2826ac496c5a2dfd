package io.octofleet.server.agents;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessServerBuilder;
import io.octofleet.server.TestServer;
import io.octofleet.server.nodes.NodeId;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The real session endpoint of a {@link TestServer} on an in-process gRPC transport, for tests that play agents over
 * the real protocol. A header names the calling node, as the client certificate does in production (TLS and the
 * certificate check are covered by the end-to-end tests).
 */
final class InProcessAgents implements AutoCloseable {
    static final Metadata.Key<String> AS = Metadata.Key.of("test-node", Metadata.ASCII_STRING_MARSHALLER);

    private final TestServer server;
    private final String name = InProcessServerBuilder.generateName();
    private final Server grpc;

    private InProcessAgents(TestServer server) throws IOException {
        this.server = server;
        ServerInterceptor asCaller = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                NodeId node = NodeId.parse(headers.get(AS));
                return Contexts.interceptCall(Context.current().withValue(ClientCertificateInterceptor.NODE, node),
                        call, headers, next);
            }
        };
        this.grpc = InProcessServerBuilder.forName(name)
                .addService(ServerInterceptors.intercept(server.bean(AgentSessionGrpcEndpoint.class), asCaller))
                .build().start();
    }

    static InProcessAgents start(TestServer server) {
        try {
            return new InProcessAgents(server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new node (created in the server's database) and an agent for it, not yet connected. */
    FakeAgent agent(String hostname) {
        return new FakeAgent(name, server.createNode(hostname), hostname);
    }

    /** An agent for a node that already exists (e.g. created through another replica). */
    FakeAgent agent(NodeId node, String hostname) {
        return new FakeAgent(name, node, hostname);
    }

    @Override
    public void close() {
        grpc.shutdownNow();
    }
}
