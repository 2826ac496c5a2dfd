package io.octofleet.server.pki;

/**
 * An agent sent a certificate signing request the CA will not sign. The message is safe to return to the agent: it
 * names what is wrong with the request (unparseable, bad signature, unsupported key) and nothing about the CA.
 */
public final class InvalidCsrException extends RuntimeException {
    public InvalidCsrException(String reason) {
        super(reason);
    }

    public InvalidCsrException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
