package io.octofleet.server.metrics;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.RequestAttribute;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.octofleet.server.groups.GroupService;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import static io.octofleet.server.db.Tables.JOBS;

/**
 * Facts for reports, queryable like the metrics (docs/api.md, "Reports"): job runs per bucket with their outcomes
 * and durations, and the fleet's make-up now (online, OS, agent versions, GPU models). Scoped like everything else.
 */
@Controller("/api/v1/reports")
final class ReportsController {
    private final DSLContext dsl;
    private final GroupService groups;
    private final MetricsConfiguration config;

    ReportsController(DSLContext dsl, GroupService groups, MetricsConfiguration config) {
        this.dsl = dsl;
        this.groups = groups;
        this.config = config;
    }

    @Serdeable
    record JobBucket(Instant time, long runs, long succeeded, long failed, long timedOut, long cancelled,
                     long unreachable, @Nullable Double avgSeconds, @Nullable Double maxSeconds) {
    }

    @Serdeable
    record Jobs(Instant from, Instant to, String step, List<JobBucket> buckets) {
    }

    @Serdeable
    record Count(String key, long nodes) {
    }

    @Serdeable
    record Fleet(long nodes, long online, List<Count> os, List<Count> agentVersions, List<Count> gpuModels,
                 List<Count> organizations) {
    }

    /** Finished job runs per step, by outcome, with their mean and longest duration (start to finish). */
    @RequiresPermission(Permission.JOBS_READ)
    @Get("/jobs{?from,to,step}")
    Jobs jobs(@Nullable @QueryValue String from, @Nullable @QueryValue String to, @Nullable @QueryValue String step,
              @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        TimeRange range = TimeRange.parse(from, to, step == null || step.isBlank() ? "1h" : step, config.interval(),
                java.time.Clock.systemUTC().instant());
        Condition jobs = operator.scope(Permission.JOBS_READ).wholeOrganizations(JOBS.ORGANIZATION_ID);
        List<JobBucket> buckets = dsl.resultQuery("SELECT date_bin({0}::interval, r.finished_at, TIMESTAMPTZ '2000-01-01'), "
                        + "count(*), count(*) FILTER (WHERE r.status = 'succeeded'), count(*) FILTER (WHERE r.status = 'failed'), "
                        + "count(*) FILTER (WHERE r.status = 'timed_out'), count(*) FILTER (WHERE r.status = 'cancelled'), "
                        + "count(*) FILTER (WHERE r.status = 'unreachable'), "
                        + "avg(extract(epoch FROM r.finished_at - r.started_at)), max(extract(epoch FROM r.finished_at - r.started_at)) "
                        + "FROM job_runs r JOIN public.jobs ON jobs.id = r.job_id "
                        + "WHERE r.finished_at >= {1} AND r.finished_at < {2} AND {3} GROUP BY 1 ORDER BY 1",
                        DSL.val(MetricQueries.interval(range.step())), DSL.val(utc(range.from())), DSL.val(utc(range.to())), jobs)
                .fetch(r -> new JobBucket(r.get(0, OffsetDateTime.class).toInstant(), r.get(1, Long.class),
                        r.get(2, Long.class), r.get(3, Long.class), r.get(4, Long.class), r.get(5, Long.class),
                        r.get(6, Long.class), r.get(7, Double.class), r.get(8, Double.class)));
        return new Jobs(range.from(), range.to(), range.step().toString(), buckets);
    }

    /** The nodes the operator can read: how many, how many online, and counts by OS, agent version, GPU model. */
    @RequiresPermission(Permission.NODES_READ)
    @Get("/fleet")
    Fleet fleet(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        Condition visible = groups.nodesIn(operator.scope(Permission.NODES_READ));
        var totals = dsl.resultQuery("SELECT count(*), count(*) FILTER (WHERE online) FROM public.nodes WHERE {0}", visible)
                .fetchOne();
        return new Fleet(totals.get(0, Long.class), totals.get(1, Long.class),
                counts("SELECT coalesce(os.name || ' ' || os.version, 'unknown'), count(*) FROM public.nodes "
                        + "LEFT JOIN node_os os ON os.node_id = nodes.id WHERE {0} GROUP BY 1 ORDER BY 2 DESC, 1", visible),
                counts("SELECT agent_version, count(*) FROM public.nodes WHERE {0} GROUP BY 1 ORDER BY 2 DESC, 1", visible),
                counts("SELECT g.model, count(DISTINCT g.node_id) FROM node_gpus g JOIN public.nodes ON nodes.id = g.node_id "
                        + "WHERE {0} GROUP BY 1 ORDER BY 2 DESC, 1", visible),
                counts("SELECT o.name, count(*) FROM public.nodes JOIN organizations o ON o.id = nodes.organization_id "
                        + "WHERE {0} GROUP BY 1 ORDER BY 2 DESC, 1", visible));
    }

    private List<Count> counts(String sql, Condition visible) {
        return dsl.resultQuery(sql, visible).fetch(r -> new Count(r.get(0, String.class), r.get(1, Long.class)));
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
