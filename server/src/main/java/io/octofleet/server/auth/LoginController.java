package io.octofleet.server.auth;

import io.octofleet.server.audit.AuditLog;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.problem.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

@Controller("/api/v1/auth")
final class LoginController {
    private static final Logger LOG = LoggerFactory.getLogger(LoginController.class);
    // Verified against when the user does not exist, so a wrong username costs the same time as a wrong password.
    private final String dummyHash;
    private final OperatorRepository operators;
    private final PasswordHasher hasher;
    private final AuthConfiguration config;
    private final AuditLog audit;
    private final DirectorySignIn directories;
    private final Sessions sessions;
    private final List<SsoLogout> ssoLogouts;

    LoginController(OperatorRepository operators, PasswordHasher hasher, AuthConfiguration config, AuditLog audit,
                    DirectorySignIn directories, Sessions sessions, List<SsoLogout> ssoLogouts) {
        this.directories = directories;
        this.sessions = sessions;
        this.ssoLogouts = ssoLogouts;
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
        var local = operators.findByUsername(request.username()).filter(o -> o.passwordHash() != null);
        UUID userId;
        String username;
        UUID sourceId = null;
        if (local.isPresent()) {
            if (!hasher.verify(request.password(), local.get().passwordHash())) {
                throw refused(request.username(), from, 401, "wrong password");
            }
            if (local.get().disabled()) {
                throw disabled(request.username(), from);
            }
            userId = local.get().id();
            username = local.get().username();
        } else {
            hasher.verify(request.password(), dummyHash); // an unknown user costs what a known one does
            DirectorySignIn.Outcome outcome = directories.signIn(request.username(), request.password());
            if (outcome.user() == null) {
                if (outcome.unavailable() != null) {
                    LOG.warn("Login for '{}' from {}: no directory could be asked: {}", request.username(), from,
                            outcome.unavailable());
                    audit.record(request.username(), "login_failed", request.username(), from, false, 503,
                            "directory unavailable: " + outcome.unavailable());
                    throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "directory-unavailable",
                            "the directory could not be reached, so directory accounts cannot sign in right now "
                                    + "(local accounts can); try again later or ask an administrator");
                }
                throw refused(request.username(), from, 401, "no such user or wrong password");
            }
            if (outcome.disabled()) {
                throw disabled(request.username(), from);
            }
            userId = outcome.user();
            username = outcome.username();
            sourceId = outcome.sourceId();
        }
        Sessions.Session started = sessions.start(userId, sourceId, null);
        LoginResponse session = new LoginResponse(started.token(), started.expiresAt());
        audit.record(username, "login", username, from, true, 200, sourceId == null ? null : "directory login");
        return session;
    }

    private ApiException refused(String username, String from, int status, String why) {
        LOG.warn("Failed login for '{}' from {}: {}", username, from, why);
        audit.record(username, "login_failed", username, from, false, status, why);
        return new ApiException(HttpStatus.UNAUTHORIZED, "invalid-credentials", "wrong username or password");
    }

    private ApiException disabled(String username, String from) {
        audit.record(username, "login_failed", username, from, false, 403, "account disabled");
        return new ApiException(HttpStatus.FORBIDDEN, "account-disabled",
                "account '" + username + "' is disabled; ask an administrator");
    }

    /** The answer to a logout of an SSO session: where to end the provider's session as well. */
    @Serdeable
    record LogoutResponse(String providerLogoutUrl) {
    }

    /**
     * Ends the caller's session: 204, or 200 with {@code providerLogoutUrl} when the session came from an OIDC
     * provider that offers RP-initiated logout (send the browser there to sign out of the provider too).
     */
    @Anonymous // ending a session that has already expired is not an error
    @Post("/logout")
    HttpResponse<?> logout(HttpRequest<?> http) {
        Optional<UUID> source = BearerTokens.from(http).flatMap(sessions::end);
        String actor = http.getAttribute(Operator.ATTRIBUTE, Operator.class).map(Operator::username).orElse("anonymous");
        audit.record(actor, "logout", actor, AuditLog.sourceAddress(http), true, 204, null);
        Optional<String> providerLogout = source.flatMap(id -> ssoLogouts.stream()
                .map(l -> l.logoutUrl(id)).flatMap(Optional::stream).findFirst());
        return providerLogout.<HttpResponse<?>>map(url -> HttpResponse.ok(new LogoutResponse(url)))
                .orElseGet(HttpResponse::noContent);
    }
}
