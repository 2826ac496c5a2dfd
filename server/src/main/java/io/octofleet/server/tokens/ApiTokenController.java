package io.octofleet.server.tokens;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.RequestAttribute;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.octofleet.server.auth.SignedIn;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.users.User;
import io.octofleet.server.users.UserService;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * API tokens: {@code /api/v1/tokens} for the caller's own, {@code /api/v1/users/{id}/tokens} for an admin acting for
 * a service account.
 */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
final class ApiTokenController {
    private final ApiTokens tokens;
    private final UserService users;

    ApiTokenController(ApiTokens tokens, UserService users) {
        this.tokens = tokens;
        this.users = users;
    }

    @Serdeable
    record TokenRequest(@Nullable String name, @Nullable List<String> permissions, @Nullable String organization,
                        @Nullable String expiresIn, @Nullable String expiresAt) {
    }

    /** The answer to a creation: the token as listed, plus its secret, shown this once. */
    @Serdeable
    record CreatedToken(UUID id, String name, String token, List<String> permissions, @Nullable String organization,
                        Instant expiresAt) {
    }

    @SignedIn
    @Post("/tokens")
    HttpResponse<CreatedToken> create(@Body TokenRequest request, HttpRequest<?> http,
                                      @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return created(tokens.create(operator, operator.id(), request.name(), request.permissions(),
                request.organization(), request.expiresIn(), request.expiresAt()), http);
    }

    @SignedIn
    @Get("/tokens")
    Page<ApiToken> list(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        List<ApiToken> own = tokens.list(operator.id());
        return new Page<>(own, own.size());
    }

    @SignedIn
    @Delete("/tokens/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void revoke(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        ApiToken token = tokens.revoke(operator.id(), uuid(id));
        AuditLog.describe(http, null, token, null);
    }

    @RequiresPermission(Permission.USERS_MANAGE)
    @Post("/users/{userId}/tokens")
    HttpResponse<CreatedToken> createFor(@PathVariable String userId, @Body TokenRequest request, HttpRequest<?> http,
                                         @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        User account = serviceAccount(operator, userId);
        return created(tokens.create(operator, account.id(), request.name(), request.permissions(),
                request.organization(), request.expiresIn(), request.expiresAt()), http);
    }

    @RequiresPermission(Permission.USERS_MANAGE)
    @Get("/users/{userId}/tokens")
    Page<ApiToken> listFor(@PathVariable String userId, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        User account = users.get(operator, uuid(userId));
        List<ApiToken> all = tokens.list(account.id());
        return new Page<>(all, all.size());
    }

    @RequiresPermission(Permission.USERS_MANAGE)
    @Delete("/users/{userId}/tokens/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void revokeFor(@PathVariable String userId, @PathVariable String id, HttpRequest<?> http,
                   @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        User account = users.get(operator, uuid(userId));
        AuditLog.describe(http, null, tokens.revoke(account.id(), uuid(id)), null);
    }

    private User serviceAccount(Operator operator, String userId) {
        User account = users.get(operator, uuid(userId));
        if (!account.kind().equals("service")) {
            throw ApiException.invalid("tokens are made for service accounts here; user '" + account.username()
                    + "' makes their own with POST /api/v1/tokens");
        }
        return account;
    }

    private static HttpResponse<CreatedToken> created(ApiTokens.Created created, HttpRequest<?> http) {
        ApiToken t = created.token();
        AuditLog.describe(http, null, null, t);
        return HttpResponse.created(new CreatedToken(t.id(), t.name(), created.secret(), t.permissions(),
                t.organization(), t.expiresAt())).header("Location", "/api/v1/tokens/" + t.id());
    }

    private static UUID uuid(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("id must be a UUID, got '" + text + "'");
        }
    }
}
