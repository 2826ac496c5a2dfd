package io.octofleet.server.pki;

import io.octofleet.server.OctofleetHome;
import io.octofleet.server.nodes.NodeId;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Date;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Octofleet's internal certificate authority: a self-signed EC P-256 root kept in the server's state directory. It
 * signs agent client certificates (clientAuth only) and the gRPC server's own certificate (serverAuth only); keeping
 * the two purposes apart is what lets agents trust "any serverAuth certificate from this CA" without a hostname check.
 *
 * <p>Files in {@code dir}: {@code ca.key}/{@code ca.crt} (the root, created once and never replaced: agents pin its
 * hash) and {@code server.key}/{@code server.crt} (re-issued as needed by {@link #serverTls}).
 */
public final class CertificateAuthority {
    static final String CA_KEY = "ca.key";
    static final String CA_CERT = "ca.crt";
    static final String SERVER_KEY = "server.key";
    static final String SERVER_CERT = "server.crt";
    /** The SAN URI prefix naming a node in its agent certificate. */
    public static final String NODE_URI_PREFIX = "urn:octofleet:node:";

    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration SERVER_VALIDITY = Duration.ofDays(90);
    static final Duration SERVER_RENEW_BEFORE = Duration.ofDays(30);
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path dir;
    private final Clock clock;
    private final PrivateKey key;
    private final X509Certificate certificate;
    private final SecureRandom random = new SecureRandom();

    private CertificateAuthority(Path dir, Clock clock, PrivateKey key, X509Certificate certificate) {
        this.dir = dir;
        this.clock = clock;
        this.key = key;
        this.certificate = certificate;
    }

    /**
     * Loads the CA from {@code dir}, creating the directory (0700) and a new root on first start.
     *
     * @throws IllegalStateException when the CA files are incomplete, unreadable, do not belong together, or the
     *                               key is accessible to group or others; the message says what to do
     */
    public static CertificateAuthority loadOrCreate(Path dir, Clock clock) {
        Path keyFile = dir.resolve(CA_KEY);
        Path certFile = dir.resolve(CA_CERT);
        boolean hasKey = Files.exists(keyFile);
        boolean hasCert = Files.exists(certFile);
        if (!hasKey && !hasCert) {
            return create(dir, clock);
        }
        if (hasKey != hasCert) {
            // Never silently mint a new root here: every enrolled agent pins the old one and would be locked out.
            throw new IllegalStateException("incomplete CA in " + dir + ": " + (hasKey ? CA_CERT : CA_KEY)
                    + " is missing; restore it from a backup, or delete " + (hasKey ? CA_KEY : CA_CERT)
                    + " to create a new CA (every agent must then enroll again)");
        }
        PrivateKey key = readSecretKey(keyFile);
        X509Certificate certificate = readCertificate(certFile);
        if (!keyMatches(key, certificate.getPublicKey())) {
            throw new IllegalStateException(keyFile + " is not the key of " + certFile
                    + "; restore the matching pair from a backup");
        }
        return new CertificateAuthority(dir, clock, key, certificate);
    }

    private static CertificateAuthority create(Path dir, Clock clock) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create CA directory " + dir, e);
        }
        KeyPair pair = newEcKeyPair();
        SecureRandom random = new SecureRandom();
        // The suffix tells apart the CAs of two installations in an operator's trust store or an agent's logs.
        byte[] suffix = new byte[4];
        random.nextBytes(suffix);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, "Octofleet Internal CA " + HexFormat.of().formatHex(suffix))
                .build();
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(subject, serial(random),
                Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(CA_VALIDITY)), subject, publicKey);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(publicKey));
        } catch (CertIOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot build CA certificate", e);
        }
        X509Certificate certificate = sign(builder, pair.getPrivate());
        // Key first: a crash between the two writes leaves a key without a certificate, which loadOrCreate reports
        // instead of guessing; no agent can have pinned a certificate that was never written.
        OctofleetHome.writeSecret(dir.resolve(CA_KEY), Pem.privateKey(pair.getPrivate()));
        OctofleetHome.writeSecret(dir.resolve(CA_CERT),
                Pem.certificates(List.of(certificate)).getBytes(StandardCharsets.US_ASCII));
        return new CertificateAuthority(dir, clock, pair.getPrivate(), certificate);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** {@code sha256:} and the lower-case hex SHA-256 of the CA certificate's DER encoding; agents pin this. */
    public String pin() {
        return pinOf(certificate);
    }

    static String pinOf(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot hash CA certificate", e);
        }
    }

    /** The certificates an agent should trust, as PEM. */
    public String chainPem() {
        return Pem.certificates(List.of(certificate));
    }

    /**
     * Signs an agent's PKCS#10 request. Only the request's public key is used: whatever subject or extensions the
     * agent asked for are ignored, and the certificate names {@code node} and allows client authentication only.
     *
     * @param ttl how long the certificate is valid from now; it is also back-dated by five minutes so an agent
     *            whose clock runs slightly behind accepts it at once
     * @throws InvalidCsrException      when the request is unparseable, its signature does not verify, or its key
     *                                  is not EC P-256/P-384 or RSA of at least 2048 bits
     * @throws IllegalArgumentException when {@code ttl} is not positive
     */
    public IssuedCertificate signAgentCsr(byte[] csrDer, NodeId node, Duration ttl) {
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("certificate lifetime must be positive, was " + ttl);
        }
        SubjectPublicKeyInfo publicKey = verifiedKeyOf(csrDer);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, node.toString()).build();
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(issuer(), serial(random),
                Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(ttl)), subject, publicKey);
        GeneralNames names = new GeneralNames(
                new GeneralName(GeneralName.uniformResourceIdentifier, NODE_URI_PREFIX + node.value()));
        X509Certificate issued = sign(endEntity(builder, publicKey, KeyPurposeId.id_kp_clientAuth, names), key);
        return new IssuedCertificate(serialOf(issued), issued,
                issued.getNotBefore().toInstant(), issued.getNotAfter().toInstant());
    }

    private static SubjectPublicKeyInfo verifiedKeyOf(byte[] csrDer) {
        PKCS10CertificationRequest csr;
        try {
            csr = new PKCS10CertificationRequest(csrDer);
        } catch (IOException | RuntimeException e) {
            throw new InvalidCsrException("not a DER-encoded PKCS#10 certificate signing request", e);
        }
        SubjectPublicKeyInfo info = csr.getSubjectPublicKeyInfo();
        String keyAlgorithm = checkKeyIsSupported(info);
        PublicKey publicKey;
        try {
            publicKey = KeyFactory.getInstance(keyAlgorithm).generatePublic(new X509EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new InvalidCsrException("the request's public key cannot be decoded", e);
        }
        boolean valid;
        try {
            valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey));
        } catch (OperatorCreationException e) {
            throw new InvalidCsrException("unsupported signature algorithm "
                    + csr.getSignatureAlgorithm().getAlgorithm(), e);
        } catch (Exception e) {
            throw new InvalidCsrException("the request's signature cannot be checked", e);
        }
        if (!valid) {
            throw new InvalidCsrException("the request's signature does not match its public key");
        }
        return info;
    }

    /** Returns the JCA key algorithm name, or throws if the key is too weak or of a kind agents should not use. */
    private static String checkKeyIsSupported(SubjectPublicKeyInfo info) {
        ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            ASN1Encodable curve = info.getAlgorithm().getParameters();
            if (SECObjectIdentifiers.secp256r1.equals(curve) || SECObjectIdentifiers.secp384r1.equals(curve)) {
                return "EC";
            }
            throw new InvalidCsrException("unsupported EC curve " + curve + ": use P-256 or P-384");
        }
        if (PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
            int bits;
            try {
                bits = RSAPublicKey.getInstance(info.parsePublicKey()).getModulus().bitLength();
            } catch (IOException | RuntimeException e) {
                throw new InvalidCsrException("the request's RSA public key cannot be decoded", e);
            }
            if (bits < 2048) {
                throw new InvalidCsrException("RSA key of " + bits + " bits is too short: use at least 2048");
            }
            return "RSA";
        }
        throw new InvalidCsrException("unsupported key algorithm " + algorithm + ": use EC P-256/P-384 or RSA");
    }

    /**
     * The node an agent certificate was issued to: its {@code urn:octofleet:node:} SAN URI or, for certificates
     * without one, its subject CN.
     *
     * @throws IllegalArgumentException when the certificate names no node
     */
    public static NodeId nodeIdOf(X509Certificate certificate) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    if (Integer.valueOf(GeneralName.uniformResourceIdentifier).equals(name.get(0))
                            && name.get(1) instanceof String uri && uri.startsWith(NODE_URI_PREFIX)) {
                        return NodeId.parse(uri.substring(NODE_URI_PREFIX.length()));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("certificate has unreadable subject alternative names", e);
        }
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        RDN[] cn = subject.getRDNs(BCStyle.CN);
        if (cn.length == 1) {
            return NodeId.parse(IETFUtils.valueToString(cn[0].getFirst().getValue()));
        }
        throw new IllegalArgumentException("certificate " + certificate.getSubjectX500Principal()
                + " names no node: no " + NODE_URI_PREFIX + " URI and no single CN");
    }

    /** The serial number in decimal. */
    public static String serialOf(X509Certificate certificate) {
        return certificate.getSerialNumber().toString();
    }

    /**
     * The gRPC server's key and certificate, reused from {@code server.key}/{@code server.crt} while still good and
     * otherwise issued afresh: when it expires within 30 days, when it lacks one of the names asked for, or when it
     * was not issued by this CA. Its names are localhost, the loopback addresses, this machine's host names and
     * non-loopback addresses, and {@code extraNames}.
     *
     * @param extraNames further DNS names or IP literals agents may dial (e.g. a load balancer's name)
     * @throws IllegalArgumentException when an extra name is neither a DNS name nor an IP literal
     * @throws IllegalStateException    when {@code server.key} is accessible to group or others
     */
    public synchronized ServerTlsMaterial serverTls(Collection<String> extraNames) {
        ServerNames wanted = ServerNames.forThisMachine(extraNames);
        Path keyFile = dir.resolve(SERVER_KEY);
        Path certFile = dir.resolve(SERVER_CERT);
        if (Files.exists(keyFile) && Files.exists(certFile)) {
            PrivateKey existingKey = readSecretKey(keyFile);
            X509Certificate existing = readCertificate(certFile);
            if (stillGood(existing, existingKey, wanted)) {
                return new ServerTlsMaterial(existingKey, List.of(existing, certificate));
            }
        }
        KeyPair pair = newEcKeyPair();
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "Octofleet server").build();
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(issuer(), serial(random),
                Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(SERVER_VALIDITY)), subject, publicKey);
        GeneralNames names = new GeneralNames(wanted.names().toArray(GeneralName[]::new));
        X509Certificate issued = sign(endEntity(builder, publicKey, KeyPurposeId.id_kp_serverAuth, names), key);
        OctofleetHome.writeSecret(keyFile, Pem.privateKey(pair.getPrivate()));
        OctofleetHome.writeSecret(certFile, Pem.certificates(List.of(issued)).getBytes(StandardCharsets.US_ASCII));
        return new ServerTlsMaterial(pair.getPrivate(), List.of(issued, certificate));
    }

    private boolean stillGood(X509Certificate existing, PrivateKey existingKey, ServerNames wanted) {
        if (!existing.getIssuerX500Principal().equals(certificate.getSubjectX500Principal())) {
            return false;
        }
        try {
            existing.verify(certificate.getPublicKey());
        } catch (GeneralSecurityException e) {
            return false;
        }
        if (!existing.getNotAfter().toInstant().isAfter(clock.instant().plus(SERVER_RENEW_BEFORE))
                || !keyMatches(existingKey, existing.getPublicKey())) {
            return false;
        }
        try {
            byte[] extension = existing.getExtensionValue(Extension.subjectAlternativeName.getId());
            if (extension == null) {
                return false;
            }
            GeneralNames present = GeneralNames.getInstance(JcaX509ExtensionUtils.parseExtensionValue(extension));
            return wanted.coveredBy(List.of(present.getNames()));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private X500Name issuer() {
        // Copied from the CA certificate's encoding so the issuer field matches the CA's subject byte for byte.
        return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    }

    private X509v3CertificateBuilder endEntity(X509v3CertificateBuilder builder, SubjectPublicKeyInfo publicKey,
                                               KeyPurposeId purpose, GeneralNames names) {
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            return builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectAlternativeName, false, names)
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(publicKey))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(certificate));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build certificate extensions", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(signer)));
        } catch (OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("cannot sign certificate", e);
        }
    }

    /** A positive serial with 128 random bits' worth of uniqueness, as CAs are expected to use. */
    private static BigInteger serial(SecureRandom random) {
        BigInteger serial;
        do {
            serial = new BigInteger(128, random);
        } while (serial.signum() == 0);
        return serial;
    }

    static KeyPair newEcKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate EC P-256 keys", e);
        }
    }

    /** Whether {@code key} is the private half of {@code publicKey}, by signing and verifying a challenge. */
    private static boolean keyMatches(PrivateKey key, PublicKey publicKey) {
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

    /** Reads a private key, refusing one that group or others may read: it would no longer be a secret. */
    private static PrivateKey readSecretKey(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(GROUP_OR_OTHER::contains)) {
                throw new IllegalStateException("refusing to use " + file + ": it is accessible to group or others"
                        + " (mode " + PosixFilePermissions.toString(permissions) + "); run chmod 600 " + file
                        + " and consider whether the key was exposed");
            }
            return Pem.readPrivateKey(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read private key " + file + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate readCertificate(Path file) {
        try {
            return Pem.readCertificates(Files.readString(file, StandardCharsets.US_ASCII)).get(0);
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException("cannot read certificate " + file + ": " + e.getMessage(), e);
        }
    }
}
