package io.octofleet.server.oidc;

/**
 * An OIDC login or token was refused. The message is meant for an operator (and safe to show a user): it names
 * what was refused and why, never a stack trace or a secret. The cause, when there is one, is for the log.
 */
public class OidcLoginException extends Exception {

    public OidcLoginException(String reason) {
        super(reason);
    }

    public OidcLoginException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
