package io.octofleet.server.enrollment;

import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
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
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.problem.ApiException;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

@Controller("/api/v1/enrollment-tokens")
final class EnrollmentTokenController {
    private final EnrollmentTokenService tokens;
    private final JoinCommands joinCommands;
    private final Organizations organizations;

    EnrollmentTokenController(EnrollmentTokenService tokens, JoinCommands joinCommands, Organizations organizations) {
        this.tokens = tokens;
        this.joinCommands = joinCommands;
        this.organizations = organizations;
    }

    @Serdeable
    record CreateRequest(@Nullable Long ttlSeconds, @Nullable Integer maxUses, @Nullable String organization) {
    }

    @Serdeable
    record Created(UUID id, String token, Instant expiresAt, int maxUses, String caPin, String joinString,
                   String joinCommand) {
    }

    @Serdeable
    record TokenList(List<EnrollmentToken> items, int total) {
    }

    @RequiresPermission(Permission.ENROLLMENT_MANAGE)
    @Post
    HttpResponse<Created> create(@Body @Nullable CreateRequest request, HttpRequest<?> http,
                                 @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        CreateRequest body = request == null ? new CreateRequest(null, null, null) : request;
        OrganizationId organization = operator.organizationFor(Permission.ENROLLMENT_MANAGE, body.organization(),
                organizations);
        AuditLog.describe(http, organization, null, null);
        EnrollmentTokenService.CreatedToken created = tokens.create(organization, body.ttlSeconds(), body.maxUses(),
                operator.username());
        String join = joinCommands.joinString(created.secret(), http.getHeaders().get("Host"));
        Created response = new Created(created.token().id(), created.secret(), created.token().expiresAt(),
                created.token().maxUses(), joinCommands.caPin(), join, joinCommands.command(join));
        return HttpResponse.created(response).header("Location", "/api/v1/enrollment-tokens/" + response.id());
    }

    @RequiresPermission(Permission.ENROLLMENT_MANAGE)
    @Get
    TokenList list(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        List<EnrollmentToken> items = tokens.list(operator.scope(Permission.ENROLLMENT_MANAGE));
        return new TokenList(items, items.size());
    }

    @RequiresPermission(Permission.ENROLLMENT_MANAGE)
    @Delete("/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void revoke(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("token id must be a UUID: " + id);
        }
        AuditLog.describe(http, tokens.revoke(uuid, operator.scope(Permission.ENROLLMENT_MANAGE), operator.username()),
                null, null);
    }
}
