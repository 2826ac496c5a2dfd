package io.octofleet.server.pki;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;

/**
 * PEM encoding of keys and certificates. Keys are written as unencrypted PKCS#8 ({@code PRIVATE KEY}) because that
 * is the one form netty's {@code SslContextBuilder} reads for every key type; JcaPEMWriter alone would write the
 * OpenSSL-specific {@code EC PRIVATE KEY}.
 */
final class Pem {
    private Pem() {
    }

    static String certificates(List<X509Certificate> certificates) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            for (X509Certificate certificate : certificates) {
                pem.writeObject(certificate);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static byte[] privateKey(PrivateKey key) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(new JcaPKCS8Generator(key, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads every certificate in {@code pem}, in order; anything else in the text is an error. */
    static List<X509Certificate> readCertificates(String pem) throws IOException, CertificateException {
        List<X509Certificate> certificates = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (!(object instanceof X509CertificateHolder holder)) {
                    throw new IOException("expected CERTIFICATE, found " + object.getClass().getSimpleName());
                }
                certificates.add(converter.getCertificate(holder));
            }
        }
        if (certificates.isEmpty()) {
            throw new IOException("no certificate in PEM text");
        }
        return certificates;
    }

    /** Reads a PKCS#8 ({@code PRIVATE KEY}) or OpenSSL ({@code EC/RSA PRIVATE KEY}) unencrypted key. */
    static PrivateKey readPrivateKey(String pem) throws IOException, GeneralSecurityException {
        Object object;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            object = parser.readObject();
        }
        PrivateKeyInfo info;
        if (object instanceof PrivateKeyInfo pkcs8) {
            info = pkcs8;
        } else if (object instanceof PEMKeyPair pair) {
            info = pair.getPrivateKeyInfo();
        } else {
            throw new IOException("expected an unencrypted PRIVATE KEY, found "
                    + (object == null ? "nothing" : object.getClass().getSimpleName()));
        }
        // Decoded with the JDK's KeyFactory by hand: BC's converter asks for "ECDSA", a name only BC's provider knows.
        String algorithm;
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(info.getPrivateKeyAlgorithm().getAlgorithm())) {
            algorithm = "EC";
        } else if (PKCSObjectIdentifiers.rsaEncryption.equals(info.getPrivateKeyAlgorithm().getAlgorithm())) {
            algorithm = "RSA";
        } else {
            throw new IOException("unsupported key algorithm " + info.getPrivateKeyAlgorithm().getAlgorithm());
        }
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    }
}
