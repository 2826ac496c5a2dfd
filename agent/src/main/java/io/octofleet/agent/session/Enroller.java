package io.octofleet.agent.session;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.octofleet.agent.identity.AgentIdentity;
import io.octofleet.agent.identity.JoinString;
import io.octofleet.agent.identity.PinnedCaTrustManager;
import io.octofleet.proto.agent.v1.EnrollRequest;
import io.octofleet.proto.agent.v1.EnrollResponse;
import io.octofleet.proto.agent.v1.EnrollmentGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * First start: make a key pair, send a CSR with the join token, keep the certificate. Retries while the server is
 * unreachable (hosts often boot before the server is up); gives up at once when the token is refused or the server
 * fails the CA pin, because retrying cannot fix either.
 */
public final class Enroller {
    private static final Logger LOG = LoggerFactory.getLogger(Enroller.class);
    private final Path stateDir;
    private final String hostname;
    private final String agentVersion;

    public Enroller(Path stateDir, String hostname, String agentVersion) {
        this.stateDir = stateDir;
        this.hostname = hostname;
        this.agentVersion = agentVersion;
    }

    public AgentIdentity enroll(JoinString join) throws EnrollmentFailedException, IOException, InterruptedException {
        ServerAddress server = new ServerAddress(join.host(), join.port());
        KeyPair keys = AgentIdentity.newKeyPair();
        byte[] csr = AgentIdentity.csr(keys, hostname);
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
        while (true) {
            PinnedCaTrustManager trust = PinnedCaTrustManager.forPin(join.caPin());
            ManagedChannel channel = Channels.pinned(server, trust);
            try {
                EnrollResponse response = EnrollmentGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .enroll(EnrollRequest.newBuilder()
                                .setToken(join.token())
                                .setCsrDer(ByteString.copyFrom(csr))
                                .setHostname(hostname)
                                .setAgentVersion(agentVersion)
                                .build());
                AgentIdentity identity = AgentIdentity.save(stateDir, keys, response.getNodeId(),
                        response.getCertificatePem(), response.getCaChainPem());
                server.save(stateDir);
                LOG.info("Enrolled with {} as node {}", server, response.getNodeId());
                return identity;
            } catch (StatusRuntimeException e) {
                CertificateException pinMismatch = causeOfType(e, CertificateException.class);
                if (pinMismatch != null) {
                    throw new EnrollmentFailedException("refusing server " + server + ": " + pinMismatch.getMessage(), e);
                }
                Status.Code code = e.getStatus().getCode();
                if (code == Status.Code.UNAUTHENTICATED || code == Status.Code.INVALID_ARGUMENT
                        || code == Status.Code.PERMISSION_DENIED) {
                    throw new EnrollmentFailedException("server " + server + " refused enrollment: "
                            + e.getStatus().getDescription(), e);
                }
                Duration delay = backoff.next();
                LOG.warn("Cannot enroll with {} ({}); retrying in {} ms", server, e.getStatus(), delay.toMillis());
                Thread.sleep(delay.toMillis());
            } finally {
                channel.shutdownNow();
            }
        }
    }

    static <T extends Throwable> T causeOfType(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }
}
