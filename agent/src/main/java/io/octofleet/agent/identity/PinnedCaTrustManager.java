package io.octofleet.agent.identity;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether the agent trusts the Octofleet server it dialled, by the server's private CA rather than by the
 * system's public roots.
 *
 * <ul>
 *   <li>{@link #forPin} is for first enrollment, when all the agent knows is the pin from the join string: the
 *   server's chain must contain a certificate whose SHA-256 is the pin, and the leaf must chain to it.</li>
 *   <li>{@link #forCaCertificates} is for every later connection, with the CA certificates saved at enrollment.</li>
 * </ul>
 * In both modes the leaf must be within its validity period, have valid signatures up to the CA, and carry the
 * serverAuth extended key usage.
 *
 * <p><b>No hostname check, on purpose.</b> Agents dial whatever address the join string or the operator gave them
 * (an IP, a NAT address, a name the server does not know it has), so the host name proves nothing useful. The
 * server's identity is instead the pinned private CA plus the serverAuth EKU: that CA only ever issues serverAuth
 * to the Octofleet server itself, and agent certificates carry clientAuth only, so an enrolled agent holding a valid
 * certificate from the same CA still cannot pose as the server. This class implements
 * {@link X509ExtendedTrustManager} so that JSSE does not wrap it and add its own endpoint identification.
 *
 * <p>Every rejection is a {@link CertificateException} whose message says why; a pin mismatch reads "server CA does
 * not match the pin sha256:…", for the CLI to show as is.
 */
public final class PinnedCaTrustManager extends X509ExtendedTrustManager {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final int MAX_CHAIN = 8;

    private final String pin;
    private final List<X509Certificate> trusted;
    private final Clock clock;
    private volatile X509Certificate matchedCa;

    private PinnedCaTrustManager(String pin, List<X509Certificate> trusted, Clock clock) {
        this.pin = pin;
        this.trusted = trusted;
        this.clock = clock;
    }

    /**
     * Trusts a server whose presented chain contains the certificate with SHA-256 {@code caPin}.
     *
     * @throws IllegalArgumentException when {@code caPin} is not {@code sha256:} and 64 hex digits
     */
    public static PinnedCaTrustManager forPin(String caPin) {
        return forPin(caPin, Clock.systemUTC());
    }

    static PinnedCaTrustManager forPin(String caPin, Clock clock) {
        if (caPin == null || !JoinString.PIN.matcher(caPin.toLowerCase(Locale.ROOT)).matches()) {
            throw new IllegalArgumentException("bad CA pin '" + caPin + "': expected sha256: followed by 64 hex digits");
        }
        return new PinnedCaTrustManager(caPin.toLowerCase(Locale.ROOT), List.of(), clock);
    }

    /**
     * Trusts a server whose leaf chains to one of {@code caCertificates}.
     *
     * @throws IllegalArgumentException when the list is empty
     */
    public static PinnedCaTrustManager forCaCertificates(List<X509Certificate> caCertificates) {
        return forCaCertificates(caCertificates, Clock.systemUTC());
    }

    static PinnedCaTrustManager forCaCertificates(List<X509Certificate> caCertificates, Clock clock) {
        if (caCertificates.isEmpty()) {
            throw new IllegalArgumentException("at least one CA certificate is needed to trust a server");
        }
        return new PinnedCaTrustManager(null, List.copyOf(caCertificates), clock);
    }

    /** The CA certificate the last accepted server chain was verified against; empty before any success. */
    public Optional<X509Certificate> matchedCa() {
        return Optional.ofNullable(matchedCa);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("server presented no certificate");
        }
        if (chain.length > MAX_CHAIN) {
            throw new CertificateException("server presented " + chain.length + " certificates; at most "
                    + MAX_CHAIN + " are accepted");
        }
        X509Certificate leaf = chain[0];
        List<String> purposes = leaf.getExtendedKeyUsage();
        if (purposes == null || !purposes.contains(SERVER_AUTH)) {
            throw new CertificateException("server certificate " + leaf.getSubjectX500Principal()
                    + " is not issued for TLS servers (no serverAuth extended key usage)");
        }
        checkDates(leaf);
        X509Certificate ca = pin != null ? pinnedCaIn(chain) : trustedCaFor(chain);
        validate(chain, ca);
        matchedCa = ca;
    }

    /** Checked ahead of PKIX, whose "validity check failed" does not tell an operator which way the clock is off. */
    private void checkDates(X509Certificate leaf) throws CertificateException {
        Instant now = clock.instant();
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw new CertificateException("server certificate " + leaf.getSubjectX500Principal() + " expired at "
                    + leaf.getNotAfter().toInstant() + " (now " + now + ")");
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new CertificateException("server certificate " + leaf.getSubjectX500Principal()
                    + " is not valid until " + leaf.getNotBefore().toInstant() + " (now " + now
                    + "); check this machine's clock");
        }
    }

    private X509Certificate pinnedCaIn(X509Certificate[] chain) throws CertificateException {
        List<String> presented = new ArrayList<>();
        // Index 0 is the leaf: a pinned leaf would be a self-signed server certificate, not a CA we enroll with.
        for (int i = 1; i < chain.length; i++) {
            String hash = pinOf(chain[i]);
            if (hash.equals(pin)) {
                return chain[i];
            }
            presented.add(hash);
        }
        throw new CertificateException("server CA does not match the pin " + pin + " (the server presented "
                + (presented.isEmpty() ? "no CA certificate" : "CA certificates " + presented)
                + "); check the join string, or whether something intercepts the connection");
    }

    private X509Certificate trustedCaFor(X509Certificate[] chain) throws CertificateException {
        CertificateException last = null;
        for (X509Certificate ca : trusted) {
            try {
                validate(chain, ca);
                return ca;
            } catch (CertificateException e) {
                last = e;
            }
        }
        throw new CertificateException("server certificate " + chain[0].getSubjectX500Principal()
                + " is not issued by the Octofleet CA this agent enrolled with: " + last.getMessage(), last);
    }

    /** PKIX validation (signatures, dates, CA constraints) from the leaf up to {@code ca} as the trust anchor. */
    private void validate(X509Certificate[] chain, X509Certificate ca) throws CertificateException {
        Date now = Date.from(clock.instant());
        try {
            ca.checkValidity(now);
        } catch (CertificateException e) {
            throw new CertificateException("server CA " + ca.getSubjectX500Principal() + " is not valid now: "
                    + e.getMessage(), e);
        }
        // The path is what lies below the anchor; the CA itself (which servers usually send last) is left out.
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate certificate : chain) {
            if (certificate.equals(ca)) {
                break;
            }
            path.add(certificate);
        }
        if (path.isEmpty()) {
            throw new CertificateException("server presented the CA certificate itself as its certificate");
        }
        try {
            PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
            // Revocation of the server certificate is not checked: the private CA publishes no CRL or OCSP.
            parameters.setRevocationEnabled(false);
            parameters.setDate(now);
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
        } catch (CertPathValidatorException e) {
            throw new CertificateException("server certificate " + chain[0].getSubjectX500Principal()
                    + " does not chain to CA " + ca.getSubjectX500Principal() + ": " + e.getMessage(), e);
        } catch (InvalidAlgorithmParameterException e) {
            throw new CertificateException("cannot validate against CA " + ca.getSubjectX500Principal(), e);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("cannot validate server certificate: " + e.getMessage(), e);
        }
    }

    static String pinOf(X509Certificate certificate) throws CertificateException {
        try {
            return "sha256:" + HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new CertificateException("SHA-256 unavailable", e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the agent verifies servers only; it does not accept client certificates");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return trusted.toArray(X509Certificate[]::new);
    }

    @Override
    public String toString() {
        return pin != null ? "PinnedCaTrustManager[pin " + pin + "]"
                : "PinnedCaTrustManager[" + Arrays.toString(trusted.stream()
                .map(ca -> ca.getSubjectX500Principal().getName()).toArray()) + "]";
    }
}
