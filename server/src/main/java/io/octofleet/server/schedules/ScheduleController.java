package io.octofleet.server.schedules;

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

    ScheduleController(ScheduleService schedules) {
        this.schedules = schedules;
    }

    /** POST and PUT body. */
    @Serdeable
    record ScheduleRequest(@Nullable String name, @Nullable String cron, @Nullable String timeZone,
                           @Nullable Boolean enabled, @Nullable JobRequest job) {
    }

    @RequiresPermission(Permission.SCHEDULES_MANAGE)
    @Post
    HttpResponse<Schedule> create(@Body ScheduleRequest request, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        Schedule created = schedules.create(request, operator.username());
        return HttpResponse.created(created).header("Location", "/api/v1/schedules/" + created.id());
    }

    @RequiresPermission(Permission.JOBS_READ)
    @Get
    Page<Schedule> list() {
        List<Schedule> all = schedules.list();
        return new Page<>(all, all.size());
    }

    @RequiresPermission(Permission.JOBS_READ)
    @Get("/{id}")
    Schedule get(@PathVariable String id) {
        return schedules.get(id(id));
    }

    @RequiresPermission(Permission.SCHEDULES_MANAGE)
    @Put("/{id}")
    Schedule replace(@PathVariable String id, @Body ScheduleRequest request) {
        return schedules.replace(id(id), request);
    }

    @RequiresPermission(Permission.SCHEDULES_MANAGE)
    @Delete("/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String id) {
        schedules.delete(id(id));
    }

    private static UUID id(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("schedule id must be a UUID, got '" + text + "'");
        }
    }
}
