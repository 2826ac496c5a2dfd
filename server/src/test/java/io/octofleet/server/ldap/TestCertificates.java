package io.octofleet.server.ldap;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/** A throwaway CA and a server certificate for localhost / 127.0.0.1, for a TLS-speaking InMemoryDirectoryServer. */
final class TestCertificates {
    final X509Certificate ca;
    private final KeyPair caKeys;

    private TestCertificates(X509Certificate ca, KeyPair caKeys) {
        this.ca = ca;
        this.caKeys = caKeys;
    }

    static TestCertificates newCa(String name) throws Exception {
        KeyPair keys = ecKeys();
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder builder = builder(subject, subject, keys)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        return new TestCertificates(sign(builder, keys), keys);
    }

    String caPem() throws Exception {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(ca.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    /** A server TLS context whose certificate names {@code dnsName} (and 127.0.0.1 when {@code withIp}). */
    SSLContext serverContext(String dnsName, boolean withIp) throws Exception {
        KeyPair keys = ecKeys();
        GeneralNames names = withIp
                ? new GeneralNames(new GeneralName[]{new GeneralName(GeneralName.dNSName, dnsName),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")})
                : new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName));
        X509v3CertificateBuilder builder = builder(new X500Name(ca.getSubjectX500Principal().getName()),
                new X500Name("CN=" + dnsName), keys)
                .addExtension(Extension.subjectAlternativeName, false, names);
        X509Certificate certificate = sign(builder, caKeys);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", keys.getPrivate(), new char[0], new Certificate[]{certificate, ca});
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new X509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject,
                SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static KeyPair ecKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }
}
