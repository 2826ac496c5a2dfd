package io.octofleet.server.agents;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.micronaut.context.annotation.Context;
import io.octofleet.server.enrollment.AgentEndpoint;
import io.octofleet.server.pki.CertificateAuthority;
import io.octofleet.server.pki.ServerTlsMaterial;
import jakarta.annotation.PreDestroy;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Security;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent endpoint: a gRPC server on its own port, TLS from the internal CA, asking agents for client
 * certificates. Built on grpc-netty-shaded so its Netty never conflicts with Micronaut's HTTP Netty. Started
 * eagerly with the application context and stopped with it.
 */
@Context
public final class AgentGrpcServer implements AgentEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(AgentGrpcServer.class);
    private final Server server;
    private final String advertisedHost;
    private final ExecutorService executor;
    private final SessionRegistry sessions;

    AgentGrpcServer(GrpcConfiguration config, CertificateAuthority ca, EnrollmentGrpcEndpoint enrollment,
                    AgentSessionGrpcEndpoint sessionEndpoint, SessionRegistry sessions,
                    ClientCertificateInterceptor certificates) {
        this.sessions = sessions;
        this.advertisedHost = config.advertiseAddress();
        List<String> extraNames = new ArrayList<>();
        if (config.advertiseAddress() != null && !config.advertiseAddress().isBlank()) {
            extraNames.add(config.advertiseAddress());
        }
        ServerTlsMaterial tls = ca.serverTls(extraNames);
        // Service callbacks do JDBC work: run them on a bounded pool, never on Netty's event loops.
        this.executor = Executors.newFixedThreadPool(Math.max(16, 4 * Runtime.getRuntime().availableProcessors()),
                new ThreadFactory() {
                    private final AtomicInteger count = new AtomicInteger();

                    @Override
                    public Thread newThread(Runnable task) {
                        Thread thread = new Thread(task, "agent-grpc-" + count.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    }
                });
        try {
            // The TLS handshake's delegated task (verifying the client certificate) runs on the Netty event loop that
            // owns the connection. NettyServerBuilder.sslContext would hand it to the service executor, where it
            // queued behind session callbacks waiting on the database: between 12,000 and 18,000 agents handshakes
            // timed out there and agents could not connect at all (docs/benchmarks.md#load). Verification costs
            // ~0.3 ms with BouncyCastle, so the event loops carry it.
            this.server = NettyServerBuilder.forAddress(new InetSocketAddress(config.port()),
                            InternalNettyServerCredentials.create(
                                    InternalProtocolNegotiators.serverTls(sslContext(tls, ca.certificate()))))
                    .executor(executor)
                    .addService(ServerInterceptors.intercept(enrollment, certificates, new RemoteAddressInterceptor()))
                    .addService(ServerInterceptors.intercept(sessionEndpoint, certificates, new RemoteAddressInterceptor()))
                    // Find dead agents even when TCP does not tell us (NAT timeouts, pulled cables).
                    .keepAliveTime(30, TimeUnit.SECONDS)
                    .keepAliveTimeout(10, TimeUnit.SECONDS)
                    .permitKeepAliveTime(10, TimeUnit.SECONDS)
                    .permitKeepAliveWithoutCalls(true)
                    .maxInboundMessageSize(1024 * 1024)
                    .build()
                    .start();
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot listen for agents on port " + config.port(), e);
        }
        LOG.info("Agent endpoint (gRPC, mutual TLS) listening on port {}", port());
    }

    private static SslContext sslContext(ServerTlsMaterial tls, X509Certificate caCertificate) {
        try {
            return GrpcSslContexts.configure(SslContextBuilder.forServer(tls.key(), tls.chain().toArray(X509Certificate[]::new)))
                    .trustManager(clientCertificates(caCertificate))
                    .clientAuth(ClientAuth.OPTIONAL)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the agent endpoint's TLS context", e);
        }
    }

    /**
     * The JDK's PKIX trust manager for agent certificates issued by our CA, as {@code trustManager(ca)} would build
     * it (no revocation lists: a deleted node is refused by {@link ClientCertificateInterceptor}), except that
     * signatures are verified with BouncyCastle. The JDK 17 ECDSA P-256 verification is pure Java and took the largest
     * share of the server's CPU while thousands of agents connected (docs/benchmarks.md#load); BouncyCastle's is
     * about six times faster. TLS itself stays in BoringSSL.
     */
    static TrustManagerFactory clientCertificates(X509Certificate caCertificate) {
        try {
            if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
                Security.addProvider(new BouncyCastleProvider()); // last: no other algorithm's default changes
            }
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            anchors.setCertificateEntry("octofleet-ca", caCertificate);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, new X509CertSelector());
            parameters.setRevocationEnabled(false);
            parameters.setSigProvider(BouncyCastleProvider.PROVIDER_NAME);
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(new CertPathTrustManagerParameters(parameters));
            return factory;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the trust manager for agent certificates", e);
        }
    }

    /** The bound port (differs from the configured one when that is 0). */
    @Override
    public int port() {
        return server.getPort();
    }

    @Override
    public String advertisedHost() {
        return advertisedHost;
    }

    @PreDestroy
    void stop() throws InterruptedException {
        server.shutdown();
        // Sessions never end by themselves; end them so agents reconnect now instead of after a timeout.
        sessions.terminateAll(io.grpc.Status.UNAVAILABLE.withDescription("server shutting down"));
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
        executor.shutdownNow();
    }
}
