package io.octofleet.agent.identity;

import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import javax.net.ssl.KeyManagerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The agent's identity, kept in its state directory: {@code agent.key} (PKCS#8 PEM), {@code agent.crt},
 * {@code ca.crt} (the CA certificates it trusts the server by, possibly several while the CA is rotated) and
 * {@code node-id}. The four files are replaced together (see {@link StateFiles}), so a crash during enrollment or
 * renewal never leaves a key beside a certificate for another key.
 */
public final class AgentIdentity {
    static final String KEY_FILE = "agent.key";
    static final String CERT_FILE = "agent.crt";
    static final String CA_FILE = "ca.crt";
    static final String NODE_ID_FILE = "node-id";
    static final List<String> FILES = List.of(KEY_FILE, CERT_FILE, CA_FILE, NODE_ID_FILE);

    private final String nodeId;
    private final PrivateKey privateKey;
    private final X509Certificate certificate;
    private final List<X509Certificate> caCertificates;

    private AgentIdentity(String nodeId, PrivateKey privateKey, X509Certificate certificate,
                          List<X509Certificate> caCertificates) {
        this.nodeId = nodeId;
        this.privateKey = privateKey;
        this.certificate = certificate;
        this.caCertificates = List.copyOf(caCertificates);
    }

    /**
     * Reads the identity in {@code stateDir}, first finishing or discarding a save a crash interrupted.
     *
     * @return empty when the agent has not enrolled yet (no identity files)
     * @throws IllegalStateException when the identity is incomplete or inconsistent, or the key is accessible to
     *                               group or others; the message says which file and what to do
     * @throws UncheckedIOException  when the files cannot be read
     */
    public static Optional<AgentIdentity> load(Path stateDir) {
        if (!Files.isDirectory(stateDir)) {
            return Optional.empty();
        }
        try {
            StateFiles.recover(stateDir, FILES);
            List<String> missing = FILES.stream().filter(name -> !Files.exists(stateDir.resolve(name))).toList();
            if (missing.size() == FILES.size()) {
                return Optional.empty();
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("incomplete identity in " + stateDir + ": missing " + missing
                        + "; enroll again with --join <join string> --re-enroll");
            }
            StateFiles.requireOwnerOnly(stateDir.resolve(KEY_FILE));
            String nodeId = Files.readString(stateDir.resolve(NODE_ID_FILE), StandardCharsets.UTF_8).strip();
            PrivateKey key = Pem.readPrivateKey(read(stateDir, KEY_FILE));
            X509Certificate certificate = Pem.readCertificates(read(stateDir, CERT_FILE)).get(0);
            List<X509Certificate> cas = Pem.readCertificates(read(stateDir, CA_FILE));
            if (nodeId.isEmpty()) {
                throw new IllegalStateException(stateDir.resolve(NODE_ID_FILE) + " is empty; enroll again with "
                        + "--join <join string> --re-enroll");
            }
            if (!keyMatches(key, certificate.getPublicKey())) {
                throw new IllegalStateException(stateDir.resolve(KEY_FILE) + " is not the key of "
                        + stateDir.resolve(CERT_FILE) + "; enroll again with --join <join string> --re-enroll");
            }
            return Optional.of(new AgentIdentity(nodeId, key, certificate, cas));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read agent identity in " + stateDir + ": " + e.getMessage(), e);
        }
    }

    /** A fresh EC P-256 key pair: small, fast, and accepted by every TLS stack the server may sit behind. */
    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate EC P-256 keys", e);
        }
    }

    /**
     * A DER PKCS#10 request for {@code keys}. The subject CN is the host name only as a hint for logs: the server
     * decides the certificate's subject (the node id) itself.
     */
    public static byte[] csr(KeyPair keys, String hostname) {
        String cn = hostname == null || hostname.isBlank() ? "octofleet-agent" : hostname.strip();
        String algorithm = "RSA".equals(keys.getPrivate().getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            return new JcaPKCS10CertificationRequestBuilder(
                    new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build(), keys.getPublic())
                    .build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate()))
                    .getEncoded();
        } catch (OperatorCreationException e) {
            throw new IllegalArgumentException("cannot sign a CSR with a " + keys.getPrivate().getAlgorithm()
                    + " key", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stores a new identity (first enrollment, or re-enrollment replacing an old one) and returns it.
     *
     * @throws IOException when the PEM text is unreadable, the certificate is not for {@code keys}, or the files
     *                     cannot be written; an identity already in {@code stateDir} is then left as it was
     */
    public static AgentIdentity save(Path stateDir, KeyPair keys, String nodeId, String certificatePem,
                                     String caChainPem) throws IOException {
        Objects.requireNonNull(nodeId, "nodeId");
        if (nodeId.isBlank()) {
            throw new IOException("server sent an empty node id");
        }
        X509Certificate certificate = Pem.readCertificates(certificatePem).get(0);
        List<X509Certificate> cas = Pem.readCertificates(caChainPem);
        // Checked before anything is written: a certificate for another key would leave an identity that can
        // never complete a TLS handshake.
        if (!keyMatches(keys.getPrivate(), certificate.getPublicKey())) {
            throw new IOException("server sent a certificate for another key than the one in our CSR");
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(KEY_FILE, Pem.privateKey(keys.getPrivate()).getBytes(StandardCharsets.US_ASCII));
        files.put(CERT_FILE, Pem.certificates(List.of(certificate)).getBytes(StandardCharsets.US_ASCII));
        files.put(CA_FILE, Pem.certificates(cas).getBytes(StandardCharsets.US_ASCII));
        files.put(NODE_ID_FILE, (nodeId.strip() + "\n").getBytes(StandardCharsets.UTF_8));
        StateFiles.replaceAll(stateDir, files);
        return new AgentIdentity(nodeId.strip(), keys.getPrivate(), certificate, cas);
    }

    /**
     * Stores the certificate from a renewal, issued for {@code newKeys}, keeping this node id, and returns the new
     * identity; this one stays usable if it throws.
     *
     * @throws IOException as for {@link #save}
     */
    public AgentIdentity renewed(Path stateDir, KeyPair newKeys, String certificatePem, String caChainPem)
            throws IOException {
        return save(stateDir, newKeys, nodeId, certificatePem, caChainPem);
    }

    public String nodeId() {
        return nodeId;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public List<X509Certificate> caCertificates() {
        return caCertificates;
    }

    /**
     * When to renew: two thirds into the certificate's lifetime, leaving a third of it to retry through server
     * downtime before the agent is locked out.
     */
    public Instant renewAt() {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Duration lifetime = Duration.between(notBefore, certificate.getNotAfter().toInstant());
        return notBefore.plus(lifetime.multipliedBy(2).dividedBy(3));
    }

    public boolean needsRenewal(Clock clock) {
        return !clock.instant().isBefore(renewAt());
    }

    /**
     * Key managers presenting this identity's key and certificate, for TLS stacks that take a
     * {@link KeyManagerFactory} rather than the key and certificate themselves.
     */
    public KeyManagerFactory keyManagerFactory() {
        try {
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("agent", privateKey, password, new X509Certificate[]{certificate});
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            return factory;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build key managers for node " + nodeId, e);
        }
    }

    private static String read(Path dir, String name) throws IOException {
        return Files.readString(dir.resolve(name), StandardCharsets.US_ASCII);
    }

    /** Whether {@code key} is the private half of {@code publicKey}, by signing and verifying a challenge. */
    static boolean keyMatches(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            byte[] challenge = "octofleet key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
