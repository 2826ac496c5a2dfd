package io.octofleet.server.users;

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

import java.util.List;
import java.util.UUID;

/** {@code /api/v1/users} (docs/auth.md#users). Who may see and change whom is {@link UserService}'s business. */
@Controller("/api/v1/users")
@ExecuteOn(TaskExecutors.BLOCKING)
final class UserController {
    private final UserService users;

    UserController(UserService users) {
        this.users = users;
    }

    /** POST and PUT body; in a PUT, absent fields stay as they are. */
    @Serdeable
    record UserRequest(@Nullable String username, @Nullable String password, @Nullable String displayName,
                       @Nullable String email, @Nullable String kind, @Nullable Boolean disabled,
                       @Nullable List<BindingRequest> roles) {
    }

    /** {@code organization} is a name or {@code *} (every organization); {@code group} narrows it to a node group. */
    @Serdeable
    record BindingRequest(@Nullable String role, @Nullable String organization, @Nullable String group) {
    }

    @RequiresPermission(Permission.USERS_MANAGE)
    @Get
    Page<User> list(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        List<User> visible = users.list(operator);
        return new Page<>(visible, visible.size());
    }

    @RequiresPermission(Permission.USERS_MANAGE)
    @Get("/{id}")
    User get(@PathVariable String id, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return users.get(operator, UserService.id(id));
    }

    @RequiresPermission(Permission.USERS_MANAGE)
    @Post
    HttpResponse<User> create(@Body UserRequest request, HttpRequest<?> http,
                              @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        User created = users.create(operator, request);
        AuditLog.describe(http, null, null, created);
        return HttpResponse.created(created).header("Location", "/api/v1/users/" + created.id());
    }

    @RequiresPermission(Permission.USERS_MANAGE)
    @Put("/{id}")
    User update(@PathVariable String id, @Body UserRequest request, HttpRequest<?> http,
                @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        UUID user = UserService.id(id);
        User before = users.get(operator, user);
        User after = users.update(operator, user, request);
        AuditLog.describe(http, null, before, after);
        return after;
    }

    @RequiresPermission(Permission.USERS_MANAGE)
    @Delete("/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        UUID user = UserService.id(id);
        User before = users.get(operator, user);
        users.delete(operator, user);
        AuditLog.describe(http, null, before, null);
    }
}
