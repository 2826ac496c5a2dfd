package io.octofleet.server.enrollment;

import io.micronaut.context.annotation.Value;
import io.octofleet.server.auth.SecretTokens;
import io.octofleet.server.nodes.AgentFacts;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.pki.CertificateAuthority;
import io.octofleet.server.pki.InvalidCsrException;
import io.octofleet.server.pki.IssuedCertificate;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns an enrollment token and a CSR into a node and its first certificate, and renews certificates. Consuming the
 * token, creating the node and recording the certificate happen in one transaction: a failure leaves the token
 * unused and no half-created node. Every attempt, accepted or refused, is logged and recorded.
 */
@Singleton
public final class EnrollmentService {
    private static final Logger LOG = LoggerFactory.getLogger(EnrollmentService.class);

    private final DSLContext dsl;
    private final EnrollmentTokenRepository tokens;
    private final AgentCertificateRepository certificates;
    private final NodeService nodes;
    private final CertificateAuthority ca;
    private final Duration certificateTtl;

    EnrollmentService(DSLContext dsl, EnrollmentTokenRepository tokens, AgentCertificateRepository certificates,
                      NodeService nodes, CertificateAuthority ca,
                      @Value("${octofleet.grpc.certificate-ttl:7d}") Duration certificateTtl) {
        this.dsl = dsl;
        this.tokens = tokens;
        this.certificates = certificates;
        this.nodes = nodes;
        this.ca = ca;
        this.certificateTtl = certificateTtl;
    }

    public record Enrolled(NodeId node, IssuedCertificate certificate, String caChainPem) {
    }

    public Enrolled enroll(String token, byte[] csrDer, String hostname, String agentVersion, String remoteAddress) {
        String host = hostname == null ? "" : hostname.trim();
        String invalid = AgentFacts.invalid(host, agentVersion);
        if (invalid != null) {
            throw refuse(null, host, remoteAddress, EnrollmentRefusedException.Kind.INVALID_ARGUMENT, invalid);
        }
        byte[] tokenHash = SecretTokens.sha256(token == null ? "" : token);
        NodeId node = NodeId.random();
        // Signing is pure and cheap; doing it first keeps the transaction short and a bad CSR out of it.
        IssuedCertificate certificate;
        try {
            certificate = ca.signAgentCsr(csrDer, node, certificateTtl);
        } catch (InvalidCsrException e) {
            throw refuse(null, host, remoteAddress, EnrollmentRefusedException.Kind.INVALID_ARGUMENT,
                    "invalid certificate signing request: " + e.getMessage());
        }
        Optional<UUID> tokenId = dsl.<Optional<UUID>>transactionResult(c -> {
            Optional<EnrollmentTokenRepository.Consumed> consumed = tokens.consume(c.dsl(), tokenHash);
            if (consumed.isPresent()) {
                // the node joins the organization the token was made for
                nodes.create(c.dsl(), node, consumed.get().organization(), host, agentVersion,
                        consumed.get().tokenId());
                certificates.insert(c.dsl(), node, certificate);
            }
            return consumed.map(EnrollmentTokenRepository.Consumed::tokenId);
        });
        if (tokenId.isEmpty()) {
            EnrollmentTokenRepository.Refused refused = tokens.whyRefused(tokenHash);
            throw refuse(refused.tokenId(), host, remoteAddress, EnrollmentRefusedException.Kind.UNAUTHENTICATED,
                    refused.reason().message());
        }
        tokens.logAttempt(tokenId.get(), node.value(), host, remoteAddress, true, "enrolled");
        LOG.info("Enrolled node {} ({}) from {} with token {}", node, host, remoteAddress, tokenId.get());
        return new Enrolled(node, certificate, ca.chainPem());
    }

    /** Issues a fresh certificate to an enrolled, unrevoked node (the caller authenticated with its current one). */
    public IssuedCertificate renew(NodeId node, byte[] csrDer) {
        if (!nodes.exists(node)) {
            throw new EnrollmentRefusedException(EnrollmentRefusedException.Kind.UNAUTHENTICATED, "node " + node + " is not enrolled");
        }
        try {
            IssuedCertificate issued = ca.signAgentCsr(csrDer, node, certificateTtl);
            dsl.transaction(c -> certificates.insert(c.dsl(), node, issued));
            LOG.info("Renewed certificate of node {}: serial {} valid until {}", node, issued.serial(), issued.notAfter());
            return issued;
        } catch (InvalidCsrException e) {
            throw new EnrollmentRefusedException(EnrollmentRefusedException.Kind.INVALID_ARGUMENT,
                    "invalid certificate signing request: " + e.getMessage());
        }
    }

    public String caChainPem() {
        return ca.chainPem();
    }

    private EnrollmentRefusedException refuse(UUID tokenId, String hostname, String remoteAddress, EnrollmentRefusedException.Kind kind,
                        String reason) {
        LOG.warn("Refused enrollment of '{}' from {}: {}", hostname, remoteAddress, reason);
        tokens.logAttempt(tokenId, null, hostname.isEmpty() ? "?" : hostname, remoteAddress, false, reason);
        return new EnrollmentRefusedException(kind, reason);
    }
}
