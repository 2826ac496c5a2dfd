package io.octofleet.server.pki;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A certificate the CA has just signed for an agent.
 *
 * @param serial the serial number in decimal, the form stored in the database and shown to operators
 */
public record IssuedCertificate(String serial, X509Certificate certificate, Instant notBefore, Instant notAfter) {
    public IssuedCertificate {
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(notAfter, "notAfter");
    }

    /** The certificate alone, PEM encoded, as sent to the agent. */
    public String pem() {
        return Pem.certificates(List.of(certificate));
    }
}
