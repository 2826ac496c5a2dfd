package io.octofleet.agent.session;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.octofleet.agent.identity.AgentIdentity;
import io.octofleet.agent.identity.PinnedCaTrustManager;

import javax.net.ssl.SSLException;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;

/** The two ways the agent dials the server: pinned-CA TLS for enrollment, mutual TLS for everything after. */
final class Channels {
    private Channels() {
    }

    /** For enrollment: trust the server only if its chain contains the CA named by the pin. */
    static ManagedChannel pinned(ServerAddress server, PinnedCaTrustManager trust) throws SSLException {
        SslContext ssl = GrpcSslContexts.forClient().trustManager(trust).build();
        return builder(server).sslContext(ssl).build();
    }

    /** For sessions and renewal: present our certificate, trust only the CA we enrolled with. */
    static ManagedChannel mutualTls(ServerAddress server, AgentIdentity identity) throws SSLException {
        SslContext ssl = GrpcSslContexts.forClient()
                .keyManager(identity.privateKey(), identity.certificate())
                .trustManager(PinnedCaTrustManager.forCaCertificates(identity.caCertificates()))
                .build();
        return builder(server).sslContext(ssl).build();
    }

    private static NettyChannelBuilder builder(ServerAddress server) {
        return NettyChannelBuilder.forAddress(server.host(), server.port())
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .maxInboundMessageSize(4 * 1024 * 1024);
    }

    static String describe(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
