package io.octofleet.server.pki;

import io.octofleet.server.nodes.NodeId;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CertificateAuthorityTest {
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path home;

    private final MutableClock clock = new MutableClock(NOW);

    private Path caDir() {
        return home.resolve("pki");
    }

    @Test
    void firstStartCreatesOwnerOnlyKeyInOwnerOnlyDirectory() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir().resolve("ca.key"))))
                .isEqualTo("rw-------");
        assertThat(Files.readString(caDir().resolve("ca.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
        X509Certificate root = ca.certificate();
        assertThat(root.getSubjectX500Principal().getName()).startsWith("CN=Octofleet Internal CA ");
        assertThat(root.getBasicConstraints()).isEqualTo(0);
        assertThat(root.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(root.getKeyUsage()[6]).as("cRLSign").isTrue();
        assertThat(root.getNotAfter().toInstant()).isAfter(NOW.plus(Duration.ofDays(3649)));
        root.verify(root.getPublicKey());
        assertThat(ca.pin()).matches("sha256:[0-9a-f]{64}");
        assertThat(ca.chainPem()).startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void secondStartLoadsTheSameCa() {
        String pin = CertificateAuthority.loadOrCreate(caDir(), clock).pin();

        assertThat(CertificateAuthority.loadOrCreate(caDir(), clock).pin()).isEqualTo(pin);
    }

    @Test
    void twoInstallationsGetDifferentCas() {
        String first = CertificateAuthority.loadOrCreate(home.resolve("a"), clock).pin();
        String second = CertificateAuthority.loadOrCreate(home.resolve("b"), clock).pin();

        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void refusesToStartWithAWorldReadableKey() throws Exception {
        CertificateAuthority.loadOrCreate(caDir(), clock);
        Files.setPosixFilePermissions(caDir().resolve("ca.key"), PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(caDir(), clock))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ca.key")
                .hasMessageContaining("chmod 600");
    }

    @Test
    void refusesToStartWhenKeyAndCertificateDoNotBelongTogether() throws Exception {
        CertificateAuthority.loadOrCreate(caDir(), clock);
        CertificateAuthority.loadOrCreate(home.resolve("other"), clock);
        Files.copy(home.resolve("other/ca.key"), caDir().resolve("ca.key"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(caDir(), clock))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not the key of");
    }

    @Test
    void refusesToReplaceACaWhoseCertificateIsMissing() throws Exception {
        CertificateAuthority.loadOrCreate(caDir(), clock);
        Files.delete(caDir().resolve("ca.crt"));

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(caDir(), clock))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ca.crt is missing");
        assertThat(caDir().resolve("ca.key")).exists();
    }

    @Test
    void signedAgentCertificateChainsToCaAndNamesTheNodeForClientAuthOnly() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);
        NodeId node = NodeId.random();

        IssuedCertificate issued = ca.signAgentCsr(csr(ecKeys("secp256r1"), "CN=evil,O=admins"), node,
                Duration.ofDays(30));

        X509Certificate certificate = issued.certificate();
        assertValidPkixPath(certificate, ca.certificate());
        assertThat(certificate.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(certificate.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(certificate.getBasicConstraints()).isEqualTo(-1);
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=" + node);
        assertThat(certificate.getSubjectAlternativeNames())
                .containsExactly(List.of(6, "urn:octofleet:node:" + node));
        assertThat(CertificateAuthority.nodeIdOf(certificate)).isEqualTo(node);
        assertThat(issued.serial()).isEqualTo(CertificateAuthority.serialOf(certificate));
        assertThat(new BigInteger(issued.serial())).isPositive();
        assertThat(issued.pem()).startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void agentCertificateIsValidForTheTtlAndBackdatedForClockSkew() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);

        IssuedCertificate issued = ca.signAgentCsr(csr(ecKeys("secp256r1"), "CN=x"), NodeId.random(),
                Duration.ofDays(30));

        assertThat(issued.notAfter()).isEqualTo(NOW.plus(Duration.ofDays(30)));
        assertThat(issued.notBefore()).isEqualTo(NOW.minus(Duration.ofMinutes(5)));
        assertThat(issued.certificate().getNotAfter().toInstant()).isEqualTo(issued.notAfter());
    }

    @Test
    void renewalGivesNewSerialAndLaterExpiry() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);
        NodeId node = NodeId.random();
        IssuedCertificate first = ca.signAgentCsr(csr(ecKeys("secp256r1"), "CN=x"), node, Duration.ofDays(30));

        clock.advance(Duration.ofDays(20));
        IssuedCertificate second = ca.signAgentCsr(csr(ecKeys("secp256r1"), "CN=x"), node, Duration.ofDays(30));

        assertThat(second.serial()).isNotEqualTo(first.serial());
        assertThat(second.notAfter()).isEqualTo(first.notAfter().plus(Duration.ofDays(20)));
        assertThat(CertificateAuthority.nodeIdOf(second.certificate())).isEqualTo(node);
    }

    @Test
    void signsP384AndRsa2048Requests() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);

        assertThat(ca.signAgentCsr(csr(ecKeys("secp384r1"), "CN=x"), NodeId.random(), Duration.ofDays(1)))
                .isNotNull();
        assertThat(ca.signAgentCsr(csr(rsa.generateKeyPair(), "CN=x"), NodeId.random(), Duration.ofDays(1)))
                .isNotNull();
    }

    @Test
    void rejectsGarbageCsr() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);

        assertThatThrownBy(() -> ca.signAgentCsr(new byte[]{1, 2, 3, 4}, NodeId.random(), Duration.ofDays(1)))
                .isInstanceOf(InvalidCsrException.class)
                .hasMessageContaining("PKCS#10");
    }

    @Test
    void rejectsCsrWhoseSignatureDoesNotMatchItsKey() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);
        KeyPair claimed = ecKeys("secp256r1");
        KeyPair signer = ecKeys("secp256r1");
        byte[] forged = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"), claimed.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())).getEncoded();

        assertThatThrownBy(() -> ca.signAgentCsr(forged, NodeId.random(), Duration.ofDays(1)))
                .isInstanceOf(InvalidCsrException.class)
                .hasMessageContaining("signature does not match");
    }

    @Test
    void rejectsShortRsaKey() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);

        assertThatThrownBy(() -> ca.signAgentCsr(csr(rsa.generateKeyPair(), "CN=x"), NodeId.random(),
                Duration.ofDays(1)))
                .isInstanceOf(InvalidCsrException.class)
                .hasMessageContaining("1024 bits");
    }

    @Test
    void rejectsUnsupportedCurve() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);

        assertThatThrownBy(() -> ca.signAgentCsr(csr(ecKeys("secp521r1"), "CN=x"), NodeId.random(),
                Duration.ofDays(1)))
                .isInstanceOf(InvalidCsrException.class)
                .hasMessageContaining("unsupported EC curve");
    }

    @Test
    void nodeIdOfRejectsCertificateWithoutNode() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);

        assertThatThrownBy(() -> CertificateAuthority.nodeIdOf(ca.certificate()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void serverCertificateIsForServerAuthOnlyAndNamesLoopbackAndExtraNames() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);

        ServerTlsMaterial tls = ca.serverTls(List.of("fleet.example.com", "10.1.2.3", "[2001:db8::7]"));

        X509Certificate server = tls.certificate();
        assertThat(tls.chain()).containsExactly(server, ca.certificate());
        assertValidPkixPath(server, ca.certificate());
        assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(server.getSubjectAlternativeNames()).contains(
                List.of(2, "localhost"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"),
                List.of(2, "fleet.example.com"), List.of(7, "10.1.2.3"), List.of(7, "2001:db8:0:0:0:0:0:7"));
        assertThat(server.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(90)));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir().resolve("server.key"))))
                .isEqualTo("rw-------");
        assertThat(new String(tls.keyPem())).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(tls.chainPem()).contains("-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----");
    }

    @Test
    void serverCertificateIsReusedAcrossRestarts() {
        X509Certificate first = CertificateAuthority.loadOrCreate(caDir(), clock)
                .serverTls(List.of("fleet.example.com")).certificate();

        clock.advance(Duration.ofDays(59));
        X509Certificate second = CertificateAuthority.loadOrCreate(caDir(), clock)
                .serverTls(List.of("FLEET.example.com.")).certificate();

        assertThat(second).isEqualTo(first);
    }

    @Test
    void serverCertificateIsReissuedWhenANewNameIsRequested() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);
        X509Certificate first = ca.serverTls(List.of()).certificate();

        X509Certificate second = ca.serverTls(List.of("new.example.com")).certificate();

        assertThat(second).isNotEqualTo(first);
        assertThat(second.getSubjectAlternativeNames()).contains(List.of(2, "new.example.com"));
        assertThat(CertificateAuthority.loadOrCreate(caDir(), clock).serverTls(List.of("new.example.com"))
                .certificate()).isEqualTo(second);
    }

    @Test
    void serverCertificateIsReissuedWithinThirtyDaysOfExpiry() {
        X509Certificate first = CertificateAuthority.loadOrCreate(caDir(), clock).serverTls(List.of()).certificate();

        clock.advance(Duration.ofDays(61));
        X509Certificate second = CertificateAuthority.loadOrCreate(caDir(), clock)
                .serverTls(List.of()).certificate();

        assertThat(second).isNotEqualTo(first);
        assertThat(second.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(61 + 90)));
    }

    @Test
    void serverCertificateFromAnotherCaIsReplaced() throws Exception {
        CertificateAuthority.loadOrCreate(home.resolve("other"), clock).serverTls(List.of());
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);
        Files.copy(home.resolve("other/server.key"), caDir().resolve("server.key"));
        Files.copy(home.resolve("other/server.crt"), caDir().resolve("server.crt"));

        X509Certificate server = ca.serverTls(List.of()).certificate();

        server.verify(ca.certificate().getPublicKey());
    }

    @Test
    void serverTlsRejectsAnExtraNameThatIsNoHostName() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir(), clock);

        assertThatThrownBy(() -> ca.serverTls(List.of("not a name")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a name");
        assertThatThrownBy(() -> ca.serverTls(List.of("300.1.1.1")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static KeyPair ecKeys(String curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec(curve));
        return generator.generateKeyPair();
    }

    private static byte[] csr(KeyPair keys, String subject) throws Exception {
        String algorithm = keys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), keys.getPublic())
                .build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate())).getEncoded();
    }

    /** Validates with the JDK's own PKIX implementation, an independent check of what BouncyCastle built. */
    private void assertValidPkixPath(X509Certificate leaf, X509Certificate root) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(clock.instant()));
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
    }
}
