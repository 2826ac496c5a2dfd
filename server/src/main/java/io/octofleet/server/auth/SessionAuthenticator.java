package io.octofleet.server.auth;

import io.micronaut.http.HttpRequest;
import jakarta.inject.Singleton;

import java.util.Optional;

/** Login sessions: the {@code ofs_} tokens that {@code POST /api/v1/auth/login} (and the SSO callback) hand out. */
@Singleton
final class SessionAuthenticator implements BearerAuthenticator {
    static final String PREFIX = "ofs_";
    private final OperatorRepository operators;

    SessionAuthenticator(OperatorRepository operators) {
        this.operators = operators;
    }

    @Override
    public boolean accepts(String token) {
        return token.startsWith(PREFIX);
    }

    @Override
    public Optional<Operator> authenticate(String token, HttpRequest<?> request) {
        return operators.findBySession(SecretTokens.sha256(token));
    }
}
