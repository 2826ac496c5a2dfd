package io.octofleet.server.schedules;

import io.micronaut.http.HttpRequest;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.micronaut.core.annotation.Nullable;
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
import io.octofleet.server.auth.Operator;
import io.octofleet.server.jobs.JobRequest;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;

import java.util.List;
import java.util.UUID;

/** Recurring jobs over HTTP (docs/jobs.md#schedules). */
@Controller("/api/v1/schedules")
@ExecuteOn(TaskExecutors.BLOCKING)
final class ScheduleController {
    private final ScheduleService schedules;

    private final Organizations organizations;

    ScheduleController(ScheduleService schedules, Organizations organizations) {
        this.schedules = schedules;
        this.organizations = organizations;
    }

    /** POST and PUT body. */
    @Serdeable
    record ScheduleRequest(@Nullable String name, @Nullable String cron, @Nullable String timeZone,
                           @Nullable Boolean enabled, @Nullable JobRequest job, @Nullable String organization) {
    }

    @RequiresPermission(Permission.SCHEDULES_MANAGE)
    @Post
    HttpResponse<Schedule> create(@Body ScheduleRequest request, HttpRequest<?> http,
                                  @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        OrganizationId organization = operator.organizationFor(Permission.SCHEDULES_MANAGE, request.organization(),
                organizations);
        AuditLog.describe(http, organization, null, null);
        Schedule created = schedules.create(organization, request, operator.username());
        return HttpResponse.created(created).header("Location", "/api/v1/schedules/" + created.id());
    }

    @RequiresPermission(Permission.JOBS_READ)
    @Get
    Page<Schedule> list(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        List<Schedule> all = schedules.list(operator.scope(Permission.JOBS_READ));
        return new Page<>(all, all.size());
    }

    @RequiresPermission(Permission.JOBS_READ)
    @Get("/{id}")
    Schedule get(@PathVariable String id, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return schedules.get(id(id), operator.scope(Permission.JOBS_READ));
    }

    @RequiresPermission(Permission.SCHEDULES_MANAGE)
    @Put("/{id}")
    Schedule replace(@PathVariable String id, @Body ScheduleRequest request, HttpRequest<?> http,
                     @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        Operator.Scope scope = operator.scope(Permission.SCHEDULES_MANAGE);
        AuditLog.describe(http, schedules.organizationOf(id(id), scope), null, null);
        return schedules.replace(id(id), scope, request);
    }

    @RequiresPermission(Permission.SCHEDULES_MANAGE)
    @Delete("/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        Operator.Scope scope = operator.scope(Permission.SCHEDULES_MANAGE);
        AuditLog.describe(http, schedules.organizationOf(id(id), scope), null, null);
        schedules.delete(id(id), scope);
    }

    private static UUID id(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("schedule id must be a UUID, got '" + text + "'");
        }
    }
}
