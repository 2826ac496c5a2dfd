package io.octofleet.agent.identity;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Test certificates built with BouncyCastle the way the server's CA builds them (the agent's tests cannot use server
 * classes): a P-256 root with pathlen 0, and leaves with one extended key usage each.
 */
public record TestPki(KeyPair keys, X509Certificate certificate) {
    public static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    public static TestPki newCa(String name) throws Exception {
        KeyPair keys = AgentIdentity.newKeyPair();
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(NOW.minus(Duration.ofDays(1))), Date.from(NOW.plus(Duration.ofDays(3650))), subject,
                keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new TestPki(keys, sign(builder, keys));
    }

    /** A server certificate valid around {@link #NOW}, named only {@code fleet.example}. */
    X509Certificate serverCertificate(PublicKey key) throws Exception {
        return leaf(key, KeyPurposeId.id_kp_serverAuth, NOW.minus(Duration.ofMinutes(5)), NOW.plus(Duration.ofDays(90)));
    }

    public X509Certificate leaf(PublicKey key, KeyPurposeId purpose, Instant notBefore, Instant notAfter) throws Exception {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                Date.from(notBefore), Date.from(notAfter), new X500Name("CN=leaf"), key)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.dNSName, "fleet.example")));
        return sign(builder, keys);
    }

    String pin() throws Exception {
        return PinnedCaTrustManager.pinOf(certificate);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static BigInteger serial() {
        return new BigInteger(128, new SecureRandom()).add(BigInteger.ONE);
    }
}
