package io.octofleet.server.ldap;

/**
 * The directory could not answer: no server reachable, TLS failed, the service account was rejected, or a search
 * failed. Never thrown for a wrong user password; a login page should say "directory unavailable", not "wrong
 * password". The message names the step and the server's reason.
 */
public final class DirectoryUnavailableException extends RuntimeException {
    public DirectoryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
