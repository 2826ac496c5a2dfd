package io.octofleet.server.auth;

import io.micronaut.http.HttpRequest;

import java.util.Optional;

/**
 * Turns a bearer token into an operator. There is one per kind of credential (login sessions {@code ofs_}, API
 * tokens {@code oft_}, OIDC providers' access tokens); the first that {@link #accepts} a token decides.
 */
public interface BearerAuthenticator {
    boolean accepts(String token);

    /** The operator the token stands for, or empty if it is invalid, expired, revoked or the user is disabled. */
    Optional<Operator> authenticate(String token, HttpRequest<?> request);
}
