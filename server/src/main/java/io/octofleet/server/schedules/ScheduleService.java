package io.octofleet.server.schedules;

import io.octofleet.server.auth.Operator;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import org.jooq.Condition;
import org.jooq.impl.DSL;
import io.micronaut.core.type.Argument;
import io.octofleet.server.database.JsonColumns;
import io.micronaut.scheduling.annotation.Scheduled;
import io.octofleet.server.db.tables.records.SchedulesRecord;
import io.octofleet.server.jobs.Job;
import io.octofleet.server.jobs.JobRequest;
import io.octofleet.server.jobs.JobService;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static io.octofleet.server.db.Tables.SCHEDULES;

/**
 * Recurring jobs: a cron expression and a job template. Every firing starts a normal job (created by
 * {@code schedule:<name>}) whose targets are resolved at that moment. A firing missed while no server ran happens
 * once when one starts again, not once per missed slot. Several replicas never fire the same slot twice: the due row
 * is claimed with {@code FOR UPDATE SKIP LOCKED} and moved to its next slot before the job starts.
 */
@Singleton
public class ScheduleService {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduleService.class);
    static final int MAX_NAME = 200;

    private final DSLContext dsl;
    private final JobService jobs;
    private final JsonColumns columns;
    private final Organizations organizations;

    ScheduleService(DSLContext dsl, JobService jobs, JsonColumns columns, Organizations organizations) {
        this.dsl = dsl;
        this.jobs = jobs;
        this.columns = columns;
        this.organizations = organizations;
    }

    Schedule create(OrganizationId organization, ScheduleController.ScheduleRequest request, String createdBy) {
        Valid v = validate(request);
        UUID id = UUID.randomUUID();
        try {
            dsl.insertInto(SCHEDULES)
                    .set(SCHEDULES.ID, id)
                    .set(SCHEDULES.ORGANIZATION_ID, organization.value())
                    .set(SCHEDULES.NAME, v.name())
                    .set(SCHEDULES.CRON, v.cron().expression())
                    .set(SCHEDULES.TIME_ZONE, v.cron().zone().getId())
                    .set(SCHEDULES.TEMPLATE, columns.write(request.job()))
                    .set(SCHEDULES.ENABLED, v.enabled())
                    .set(SCHEDULES.NEXT_FIRE_AT, v.enabled() ? utc(v.cron().nextAfter(Instant.now())) : null)
                    .set(SCHEDULES.CREATED_BY, createdBy)
                    .execute();
        } catch (IntegrityConstraintViolationException e) {
            throw nameTaken(v.name());
        }
        LOG.info("Schedule {} ({}, '{}' {}) created by {}", id, v.name(), v.cron().expression(), v.cron().zone(),
                createdBy);
        return get(id, DSL.noCondition());
    }

    /** The schedules of the organizations wholly in {@code scope}. */
    List<Schedule> list(Operator.Scope scope) {
        return dsl.selectFrom(SCHEDULES).where(scope.wholeOrganizations(SCHEDULES.ORGANIZATION_ID))
                .orderBy(SCHEDULES.NAME).fetch(this::view);
    }

    /** @throws ApiException not-found, also for a schedule outside {@code scope} */
    Schedule get(UUID id, Operator.Scope scope) {
        return get(id, scope.wholeOrganizations(SCHEDULES.ORGANIZATION_ID));
    }

    private Schedule get(UUID id, Condition visible) {
        return dsl.selectFrom(SCHEDULES).where(SCHEDULES.ID.eq(id)).and(visible).fetchOptional(this::view)
                .orElseThrow(() -> ApiException.notFound("schedule " + id));
    }

    /** The organization of a schedule in {@code scope}. @throws ApiException not-found */
    OrganizationId organizationOf(UUID id, Operator.Scope scope) {
        return dsl.select(SCHEDULES.ORGANIZATION_ID).from(SCHEDULES).where(SCHEDULES.ID.eq(id))
                .and(scope.wholeOrganizations(SCHEDULES.ORGANIZATION_ID))
                .fetchOptional(r -> new OrganizationId(r.value1()))
                .orElseThrow(() -> ApiException.notFound("schedule " + id));
    }

    Schedule replace(UUID id, Operator.Scope scope, ScheduleController.ScheduleRequest request) {
        organizationOf(id, scope);
        Valid v = validate(request);
        int updated;
        try {
            updated = dsl.update(SCHEDULES)
                    .set(SCHEDULES.NAME, v.name())
                    .set(SCHEDULES.CRON, v.cron().expression())
                    .set(SCHEDULES.TIME_ZONE, v.cron().zone().getId())
                    .set(SCHEDULES.TEMPLATE, columns.write(request.job()))
                    .set(SCHEDULES.ENABLED, v.enabled())
                    .set(SCHEDULES.NEXT_FIRE_AT, v.enabled() ? utc(v.cron().nextAfter(Instant.now())) : null)
                    .where(SCHEDULES.ID.eq(id))
                    .execute();
        } catch (IntegrityConstraintViolationException e) {
            throw nameTaken(v.name());
        }
        if (updated == 0) {
            throw ApiException.notFound("schedule " + id);
        }
        return get(id, DSL.noCondition());
    }

    void delete(UUID id, Operator.Scope scope) {
        if (dsl.deleteFrom(SCHEDULES).where(SCHEDULES.ID.eq(id))
                .and(scope.wholeOrganizations(SCHEDULES.ORGANIZATION_ID)).execute() == 0) {
            throw ApiException.notFound("schedule " + id);
        }
    }

    /** Fires every due schedule once. */
    @Scheduled(fixedDelay = "${octofleet.jobs.schedule-check-interval:15s}", initialDelay = "5s")
    void fireDue() {
        while (fireOne()) {
            // one schedule per transaction, until none is due
        }
    }

    private boolean fireOne() {
        Instant now = Instant.now();
        SchedulesRecord due = dsl.transactionResult(cfg -> {
            SchedulesRecord row = cfg.dsl().selectFrom(SCHEDULES)
                    .where(SCHEDULES.ENABLED.isTrue()).and(SCHEDULES.NEXT_FIRE_AT.le(utc(now)))
                    .orderBy(SCHEDULES.NEXT_FIRE_AT).limit(1)
                    .forUpdate().skipLocked()
                    .fetchOne();
            if (row == null) {
                return null;
            }
            CronSchedule cron = new CronSchedule(row.getCron(), java.time.ZoneId.of(row.getTimeZone()));
            row.setNextFireAt(utc(cron.nextAfter(now)));
            row.setLastFiredAt(utc(now));
            row.store(SCHEDULES.NEXT_FIRE_AT, SCHEDULES.LAST_FIRED_AT);
            return row;
        });
        if (due == null) {
            return false;
        }
        UUID jobId = null;
        String error = null;
        try {
            JobRequest template = columns.read(due.getTemplate(), Argument.of(JobRequest.class));
            // the schedule's organization, whatever the template says; schedules:manage covers the whole of it
            Job job = jobs.start(template, new OrganizationId(due.getOrganizationId()), null,
                    "schedule:" + due.getName(), due.getId());
            jobId = job.id().value();
            LOG.info("Schedule {} ({}) started job {}", due.getId(), due.getName(), jobId);
        } catch (ApiException e) {
            error = e.getMessage();
            LOG.warn("Schedule {} ({}) started no job: {}", due.getId(), due.getName(), error);
        } catch (RuntimeException e) {
            error = "internal error: " + e;
            LOG.error("Schedule {} ({}) failed to start its job", due.getId(), due.getName(), e);
        }
        dsl.update(SCHEDULES)
                .set(SCHEDULES.LAST_JOB_ID, jobId)
                .set(SCHEDULES.LAST_ERROR, error)
                .where(SCHEDULES.ID.eq(due.getId()))
                .execute();
        return true;
    }

    private record Valid(String name, CronSchedule cron, boolean enabled) {
    }

    private Valid validate(ScheduleController.ScheduleRequest request) {
        String name = request.name() == null ? "" : request.name().strip();
        if (name.isEmpty() || name.length() > MAX_NAME) {
            throw ApiException.invalid("name is required, at most " + MAX_NAME + " characters");
        }
        CronSchedule cron = CronSchedule.parse(request.cron(), request.timeZone());
        if (request.job() == null) {
            throw ApiException.invalid("job is required: the job request each firing submits (as POST /api/v1/jobs)");
        }
        try {
            jobs.validate(request.job());
        } catch (ApiException e) {
            throw new ApiException(e.status(), e.type(), "job: " + e.getMessage());
        }
        return new Valid(name, cron, request.enabled() == null || request.enabled());
    }

    private Schedule view(SchedulesRecord r) {
        return new Schedule(r.getId(), organizations.name(r.getOrganizationId()), r.getName(), r.getCron(),
                r.getTimeZone(), r.getEnabled(), columns.read(r.getTemplate(), Argument.of(JobRequest.class)),
                instant(r.getNextFireAt()), instant(r.getLastFiredAt()), r.getLastJobId(), r.getLastError(),
                r.getCreatedBy(), r.getCreatedAt().toInstant());
    }

    private static ApiException nameTaken(String name) {
        return new ApiException(io.micronaut.http.HttpStatus.CONFLICT, "name-taken",
                "a schedule named '" + name + "' already exists");
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
