package io.octofleet.server.roles;

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
import io.micronaut.http.annotation.Put;
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
import io.octofleet.server.problem.ApiException;

import java.util.List;

/**
 * {@code /api/v1/roles}: anyone who manages users can read the roles they may grant; changing the custom roles is
 * {@code settings:manage} in every organization, since a role means the same everywhere.
 */
@Controller("/api/v1/roles")
@ExecuteOn(TaskExecutors.BLOCKING)
final class RoleController {
    private final RoleService roles;

    RoleController(RoleService roles) {
        this.roles = roles;
    }

    @Serdeable
    record RoleRequest(@Nullable String name, @Nullable String description, @Nullable List<String> permissions) {
    }

    @RequiresPermission(Permission.USERS_MANAGE)
    @Get
    Page<Role> list() {
        List<Role> all = roles.list();
        return new Page<>(all, all.size());
    }

    @RequiresPermission(Permission.USERS_MANAGE)
    @Get("/{name}")
    Role get(@PathVariable String name) {
        return roles.byName(name).orElseThrow(() -> ApiException.notFound("role '" + name + "'"));
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Post
    HttpResponse<Role> create(@Body RoleRequest request, HttpRequest<?> http,
                              @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "roles");
        Role role = roles.create(request.name(), request.description(), request.permissions());
        AuditLog.describe(http, null, null, role);
        return HttpResponse.created(role).header("Location", "/api/v1/roles/" + role.name());
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Put("/{name}")
    Role update(@PathVariable String name, @Body RoleRequest request, HttpRequest<?> http,
                @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "roles");
        Role before = get(name);
        Role after = roles.update(name, request.description(), request.permissions());
        AuditLog.describe(http, null, before, after);
        return after;
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Delete("/{name}")
    @Status(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String name, HttpRequest<?> http,
                @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "roles");
        AuditLog.describe(http, null, roles.delete(name), null);
    }

}
