package io.octofleet.server.enrollment;

import io.octofleet.server.auth.Operator;
import io.octofleet.server.organizations.OrganizationId;

import io.octofleet.server.TestServer;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.pki.CertificateAuthority;
import io.octofleet.server.pki.IssuedCertificate;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.octofleet.server.db.Tables.ENROLLMENT_ATTEMPTS;
import static io.octofleet.server.db.Tables.ENROLLMENT_TOKENS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Enrollment rules against the real database and the real CA. */
class EnrollmentServiceTest {
    static final Operator.Scope EVERYWHERE = new Operator.Scope(true, java.util.Set.of(), java.util.Map.of());
    static TestServer server;
    static EnrollmentService enrollment;
    static EnrollmentTokenService tokens;
    static AgentCertificateRepository certificates;
    static NodeService nodes;
    static DSLContext dsl;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
        enrollment = server.bean(EnrollmentService.class);
        tokens = server.bean(EnrollmentTokenService.class);
        certificates = server.bean(AgentCertificateRepository.class);
        nodes = server.bean(NodeService.class);
        dsl = server.bean(DSLContext.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void enrollCreatesNodeWithActiveClientCertificate() throws Exception {
        String secret = tokens.create(OrganizationId.DEFAULT, null, null, "test").secret();
        EnrollmentService.Enrolled enrolled = enrollment.enroll(secret, csr(), "host-a", "1.0", "127.0.0.1");

        assertThat(nodes.exists(enrolled.node())).isTrue();
        assertThat(CertificateAuthority.nodeIdOf(enrolled.certificate().certificate())).isEqualTo(enrolled.node());
        assertThat(certificates.isActive(enrolled.certificate().serial(), enrolled.node())).isTrue();
        assertThat(enrolled.caChainPem()).contains("BEGIN CERTIFICATE");
    }

    @Test
    void singleUseTokenIsRefusedTheSecondTime() throws Exception {
        String secret = tokens.create(OrganizationId.DEFAULT, null, null, "test").secret();
        enrollment.enroll(secret, csr(), "host-b", "1.0", "127.0.0.1");

        assertThatThrownBy(() -> enrollment.enroll(secret, csr(), "host-b2", "1.0", "127.0.0.1"))
                .isInstanceOf(EnrollmentRefusedException.class)
                .hasMessage(TokenRefusal.USED_UP.message());
        assertThat(dsl.fetchCount(ENROLLMENT_ATTEMPTS, ENROLLMENT_ATTEMPTS.HOSTNAME.eq("host-b2")
                .and(ENROLLMENT_ATTEMPTS.OUTCOME.eq("refused")))).isEqualTo(1);
    }

    @Test
    void unknownExpiredAndRevokedTokensAreRefusedWithTheirReason() throws Exception {
        assertThatThrownBy(() -> enrollment.enroll("oft_nonsense", csr(), "h", "1.0", "127.0.0.1"))
                .hasMessage(TokenRefusal.UNKNOWN.message());

        var expired = tokens.create(OrganizationId.DEFAULT, null, null, "test");
        dsl.update(ENROLLMENT_TOKENS).set(ENROLLMENT_TOKENS.EXPIRES_AT, OffsetDateTime.now().minusMinutes(1))
                .where(ENROLLMENT_TOKENS.ID.eq(expired.token().id())).execute();
        assertThatThrownBy(() -> enrollment.enroll(expired.secret(), csr(), "h", "1.0", "127.0.0.1"))
                .hasMessage(TokenRefusal.EXPIRED.message());

        var revoked = tokens.create(OrganizationId.DEFAULT, null, null, "test");
        tokens.revoke(revoked.token().id(), EVERYWHERE, "test");
        assertThatThrownBy(() -> enrollment.enroll(revoked.secret(), csr(), "h", "1.0", "127.0.0.1"))
                .hasMessage(TokenRefusal.REVOKED.message());
    }

    @Test
    void garbageCsrIsRefusedAndLeavesTheTokenUnused() {
        var token = tokens.create(OrganizationId.DEFAULT, null, null, "test");
        assertThatThrownBy(() -> enrollment.enroll(token.secret(), new byte[] {1, 2, 3}, "h", "1.0", "127.0.0.1"))
                .isInstanceOf(EnrollmentRefusedException.class)
                .satisfies(e -> assertThat(((EnrollmentRefusedException) e).kind())
                        .isEqualTo(EnrollmentRefusedException.Kind.INVALID_ARGUMENT));
        assertThat(tokens.list(EVERYWHERE)).filteredOn(t -> t.id().equals(token.token().id()))
                .singleElement().satisfies(t -> assertThat(t.uses()).isZero());
    }

    @Test
    void badHostnameIsRefused() {
        String secret = tokens.create(OrganizationId.DEFAULT, null, null, "test").secret();
        assertThatThrownBy(() -> enrollment.enroll(secret, csr(), "bad host; rm -rf /", "1.0", "127.0.0.1"))
                .hasMessageContaining("hostname");
    }

    @Test
    void racingAgentsCannotShareASingleUseToken() throws Exception {
        String secret = tokens.create(OrganizationId.DEFAULT, null, 1, "test").secret();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> attempts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] csr = csr();
                String host = "race-" + i;
                attempts.add(() -> {
                    try {
                        enrollment.enroll(secret, csr, host, "1.0", "127.0.0.1");
                        return true;
                    } catch (EnrollmentRefusedException e) {
                        return false;
                    }
                });
            }
            int winners = 0;
            for (Future<Boolean> result : pool.invokeAll(attempts)) {
                winners += result.get() ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void renewalIssuesANewActiveCertificate() throws Exception {
        var enrolled = enrollment.enroll(tokens.create(OrganizationId.DEFAULT, null, null, "test").secret(), csr(), "host-r", "1.0", "127.0.0.1");
        IssuedCertificate renewed = enrollment.renew(enrolled.node(), csr());
        assertThat(renewed.serial()).isNotEqualTo(enrolled.certificate().serial());
        assertThat(certificates.isActive(renewed.serial(), enrolled.node())).isTrue();
    }

    @Test
    void deletingTheNodeRevokesEveryCertificateAndRefusesRenewal() throws Exception {
        var enrolled = enrollment.enroll(tokens.create(OrganizationId.DEFAULT, null, null, "test").secret(), csr(), "host-d", "1.0", "127.0.0.1");
        IssuedCertificate renewed = enrollment.renew(enrolled.node(), csr());

        nodes.delete(enrolled.node());

        assertThat(certificates.isActive(enrolled.certificate().serial(), enrolled.node())).isFalse();
        assertThat(certificates.isActive(renewed.serial(), enrolled.node())).isFalse();
        assertThatThrownBy(() -> enrollment.renew(enrolled.node(), csr()))
                .isInstanceOf(EnrollmentRefusedException.class);
    }

    @Test
    void certificateOfAnotherNodeIsNotActiveForThisOne() throws Exception {
        var a = enrollment.enroll(tokens.create(OrganizationId.DEFAULT, null, null, "test").secret(), csr(), "host-x", "1.0", "127.0.0.1");
        assertThat(certificates.isActive(a.certificate().serial(), NodeId.random())).isFalse();
    }

    static byte[] csr() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=agent"), keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))
                .getEncoded();
    }
}
