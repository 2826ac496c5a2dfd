package io.octofleet.server.agents;

import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.pki.CertificateAuthority;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.X509TrustManager;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The trust manager of the agent endpoint (signatures checked with BouncyCastle): ours in, anyone else's out. */
class AgentCertificateTrustTest {
    @TempDir
    Path home;

    @Test
    void acceptsAnAgentCertificateOurCaIssued() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(home.resolve("ours"), Clock.systemUTC());
        X509TrustManager trust = trustManager(ca);

        X509Certificate agent = ca.signAgentCsr(csr(), NodeId.random(), Duration.ofDays(30)).certificate();

        assertThatCode(() -> trust.checkClientTrusted(new X509Certificate[]{agent}, "ECDHE_ECDSA"))
                .doesNotThrowAnyException();
    }

    @Test
    void refusesACertificateFromAnotherInstallationsCa() throws Exception {
        CertificateAuthority ours = CertificateAuthority.loadOrCreate(home.resolve("ours"), Clock.systemUTC());
        CertificateAuthority theirs = CertificateAuthority.loadOrCreate(home.resolve("theirs"), Clock.systemUTC());
        X509TrustManager trust = trustManager(ours);

        X509Certificate stranger = theirs.signAgentCsr(csr(), NodeId.random(), Duration.ofDays(30)).certificate();

        assertThatThrownBy(() -> trust.checkClientTrusted(new X509Certificate[]{stranger}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void refusesAnExpiredAgentCertificate() throws Exception {
        Clock longAgo = Clock.offset(Clock.systemUTC(), Duration.ofDays(-400));
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(home.resolve("ours"), longAgo);
        X509TrustManager trust = trustManager(ca);

        X509Certificate expired = ca.signAgentCsr(csr(), NodeId.random(), Duration.ofDays(30)).certificate();

        assertThatThrownBy(() -> trust.checkClientTrusted(new X509Certificate[]{expired}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
    }

    private static X509TrustManager trustManager(CertificateAuthority ca) {
        return (X509TrustManager) AgentGrpcServer.clientCertificates(ca.certificate()).getTrustManagers()[0];
    }

    private static byte[] csr() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=agent"), keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())).getEncoded();
    }
}
