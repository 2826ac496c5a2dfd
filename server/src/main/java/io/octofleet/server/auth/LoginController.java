package io.octofleet.server.auth;

import io.octofleet.server.audit.AuditLog;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.problem.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

@Controller("/api/v1/auth")
final class LoginController {
    private static final Logger LOG = LoggerFactory.getLogger(LoginController.class);
    // Verified against when the user does not exist, so a wrong username costs the same time as a wrong password.
    private final String dummyHash;
    private final OperatorRepository operators;
    private final PasswordHasher hasher;
    private final AuthConfiguration config;
    private final AuditLog audit;

    LoginController(OperatorRepository operators, PasswordHasher hasher, AuthConfiguration config, AuditLog audit) {
        this.audit = audit;
        this.operators = operators;
        this.hasher = hasher;
        this.config = config;
        this.dummyHash = hasher.hash(SecretTokens.generate(""));
    }

    @Serdeable
    record LoginRequest(@Nullable String username, @Nullable String password) {
    }

    @Serdeable
    record LoginResponse(String token, Instant expiresAt) {
    }

    @Anonymous // the way in
    @Post("/login")
    LoginResponse login(@Body LoginRequest request, HttpRequest<?> http) {
        if (request.username() == null || request.username().isBlank()
                || request.password() == null || request.password().isEmpty()) {
            throw ApiException.invalid("username and password are required");
        }
        String from = AuditLog.sourceAddress(http);
        AuditLog.RecentFailures failures = audit.recentLoginFailures(request.username(), from, config.lockoutWindow());
        if (failures.forUser() >= config.lockoutFailures() || failures.fromAddress() >= config.rateLimitFailures()) {
            String why = failures.forUser() >= config.lockoutFailures()
                    ? "account temporarily locked after " + failures.forUser() + " failed logins"
                    : "too many failed logins from " + from;
            LOG.warn("Refused login for '{}' from {}: {}", request.username(), from, why);
            audit.record(request.username(), "login_failed", request.username(), from, false, 429, why);
            throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "login-locked", why + "; try again in "
                    + config.lockoutWindow().toMinutes() + " minutes");
        }
        var operator = operators.findByUsername(request.username()).filter(o -> o.passwordHash() != null);
        boolean ok = hasher.verify(request.password(), operator.map(o -> o.passwordHash()).orElse(dummyHash));
        if (operator.isEmpty() || !ok) {
            LOG.warn("Failed login for '{}' from {}", request.username(), from);
            audit.record(request.username(), "login_failed", request.username(), from, false, 401,
                    operator.isEmpty() ? "no such user" : "wrong password");
            throw new ApiException(HttpStatus.UNAUTHORIZED, "invalid-credentials", "wrong username or password");
        }
        if (operator.get().disabled()) {
            audit.record(request.username(), "login_failed", request.username(), from, false, 403, "account disabled");
            throw new ApiException(HttpStatus.FORBIDDEN, "account-disabled",
                    "account '" + request.username() + "' is disabled; ask an administrator");
        }
        String token = SecretTokens.generate(SessionAuthenticator.PREFIX);
        OffsetDateTime expiresAt = OffsetDateTime.now(ZoneOffset.UTC).plus(config.sessionTtl());
        operators.insertSession(SecretTokens.sha256(token), operator.get().id(), expiresAt);
        operators.deleteExpiredSessions();
        audit.record(operator.get().username(), "login", operator.get().username(), from, true, 200, null);
        return new LoginResponse(token, expiresAt.toInstant());
    }

    @Anonymous // ending a session that has already expired is not an error
    @Post("/logout")
    @Status(HttpStatus.NO_CONTENT)
    void logout(HttpRequest<?> http) {
        BearerTokens.from(http).ifPresent(token -> operators.deleteSession(SecretTokens.sha256(token)));
        String actor = http.getAttribute(Operator.ATTRIBUTE, Operator.class).map(Operator::username).orElse("anonymous");
        audit.record(actor, "logout", actor, AuditLog.sourceAddress(http), true, 204, null);
    }

}
