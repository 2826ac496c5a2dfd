package io.octofleet.server.legacy;

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
import io.octofleet.server.nodes.Page;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.problem.ApiException;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** {@code /api/v1/legacy-keys}: the keys Python-era agents send as {@code X-API-Key} (docs/migration.md). */
@Controller("/api/v1/legacy-keys")
@ExecuteOn(TaskExecutors.BLOCKING)
final class LegacyKeyController {
    private final LegacyKeys keys;
    private final Organizations organizations;

    LegacyKeyController(LegacyKeys keys, Organizations organizations) {
        this.keys = keys;
        this.organizations = organizations;
    }

    @Serdeable
    record CreateRequest(@Nullable String name, @Nullable String organization) {
    }

    /** The key as listed, plus the key itself, shown this once. */
    @Serdeable
    record Created(UUID id, String key, String name, String organization, String prefix, Instant createdAt) {
    }

    @RequiresPermission(Permission.ENROLLMENT_MANAGE)
    @Post
    HttpResponse<Created> create(@Body @Nullable CreateRequest request, HttpRequest<?> http,
                                 @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        CreateRequest body = request == null ? new CreateRequest(null, null) : request;
        OrganizationId organization = operator.organizationFor(Permission.ENROLLMENT_MANAGE, body.organization(),
                organizations);
        LegacyKeys.Created created = keys.create(organization, body.name(), operator.username());
        LegacyKey k = created.key();
        AuditLog.describe(http, organization, null, k);
        return HttpResponse.created(new Created(k.id(), created.secret(), k.name(), k.organization(), k.prefix(),
                k.createdAt())).header("Location", "/api/v1/legacy-keys/" + k.id());
    }

    @RequiresPermission(Permission.ENROLLMENT_MANAGE)
    @Get
    Page<LegacyKey> list(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        List<LegacyKey> all = keys.list(operator.scope(Permission.ENROLLMENT_MANAGE));
        return new Page<>(all, all.size());
    }

    @RequiresPermission(Permission.ENROLLMENT_MANAGE)
    @Delete("/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void revoke(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("legacy key id must be a UUID, got '" + id + "'");
        }
        LegacyKey before = keys.revoke(uuid, operator.scope(Permission.ENROLLMENT_MANAGE), operator.username());
        AuditLog.describe(http, organizations.byName(before.organization()).orElse(null), before, null);
    }
}
