package io.octofleet.server.auth;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;

/** Login sessions ({@code ofs_} bearer tokens): issued after a password, directory or SSO sign-in. */
@Singleton
public final class Sessions {
    private final OperatorRepository operators;
    private final AuthConfiguration config;

    Sessions(OperatorRepository operators, AuthConfiguration config) {
        this.operators = operators;
        this.config = config;
    }

    /** A new session: the bearer token (shown to the client once) and when it expires. */
    @Serdeable
    public record Session(String token, Instant expiresAt) {
    }

    /** Issues a session for a user who has just proven who they are; {@code sourceId}/{@code idToken} for SSO. */
    public Session start(UUID userId, @Nullable UUID sourceId, @Nullable String idToken) {
        String token = SecretTokens.generate(SessionAuthenticator.PREFIX);
        OffsetDateTime expiresAt = OffsetDateTime.now(ZoneOffset.UTC).plus(config.sessionTtl());
        operators.insertSession(SecretTokens.sha256(token), userId, expiresAt, sourceId, idToken);
        operators.deleteExpiredSessions();
        return new Session(token, expiresAt.toInstant());
    }

    /** Ends the session of {@code token}; returns the auth source it came from, if it came from one. */
    public Optional<UUID> end(String token) {
        return operators.deleteSessionReturningSource(SecretTokens.sha256(token));
    }
}
