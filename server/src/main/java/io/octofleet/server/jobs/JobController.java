package io.octofleet.server.jobs;

import io.micronaut.http.HttpRequest;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.groups.GroupService;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import org.jooq.Condition;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.RequestAttribute;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.nodes.Node;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Jobs over HTTP (docs/jobs.md, docs/api.md). */
@Controller("/api/v1/jobs")
@ExecuteOn(TaskExecutors.BLOCKING)
final class JobController {
    /** Events a slow SSE client may fall behind by before its stream is ended (it reconnects and re-reads). */
    private static final int SSE_BUFFER = 10_000;
    /** An event with no content every 15 s, so proxies do not close an idle stream. */
    private static final String PING = "ping";

    private final JobService jobs;
    private final JobEvents events;
    private final GroupService groups;
    private final Organizations organizations;

    JobController(JobService jobs, JobEvents events, GroupService groups, Organizations organizations) {
        this.jobs = jobs;
        this.events = events;
        this.groups = groups;
        this.organizations = organizations;
    }

    /**
     * The organization a new job runs in, and where in it the caller may run jobs: null for the whole organization,
     * otherwise the nodes of the groups their narrowed bindings name.
     */
    private OrganizationId organization(Operator operator, @Nullable String requested) {
        Operator.Scope scope = operator.scope(Permission.JOBS_RUN);
        if (requested == null && scope.organizations().isEmpty() && !scope.everywhere()
                && scope.groups().size() == 1) {
            return scope.groups().keySet().iterator().next(); // only narrowed bindings, in one organization
        }
        if (requested != null && !requested.isBlank()) {
            var named = organizations.byName(requested).filter(scope::touches);
            if (named.isPresent() && !scope.includes(named.get())) {
                return named.get(); // narrowed: allowed() limits the nodes
            }
        }
        return operator.organizationFor(Permission.JOBS_RUN, requested, organizations);
    }

    private @Nullable Condition allowed(Operator operator, OrganizationId organization) {
        Operator.Scope scope = operator.scope(Permission.JOBS_RUN);
        return scope.includes(organization) ? null : groups.nodesIn(scope);
    }

    @RequiresPermission(Permission.JOBS_RUN)
    @Post
    HttpResponse<Job> create(@Body JobRequest request, HttpRequest<?> http,
                             @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        OrganizationId organization = organization(operator, request.organization());
        AuditLog.describe(http, organization, null, null);
        Job job = jobs.start(request, organization, allowed(operator, organization), operator.username(), null);
        return HttpResponse.created(job).header("Location", "/api/v1/jobs/" + job.id());
    }

    @RequiresPermission(Permission.JOBS_READ)
    @Get("{?status,createdBy,node,page,size}")
    Page<Job> list(@Nullable @QueryValue String status, @Nullable @QueryValue String createdBy,
                   @Nullable @QueryValue String node, @Nullable @QueryValue String page,
                   @Nullable @QueryValue String size, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        Condition visible = jobs.visibleTo(operator, Permission.JOBS_READ);
        if (node != null && !node.isBlank()) {
            visible = visible.and(JobService.ranOn(nodeId("node", node.strip())));
        }
        return jobs.list(visible, status, createdBy, page, size);
    }

    /** A dry run of a job's targets: the nodes it would run on now (the first {@code limit} by hostname). */
    @Serdeable
    record TargetPreview(List<Node> items, long total) {
    }

    @RequiresPermission(Permission.JOBS_RUN)
    @Get("/targets{?nodeIds,groupIds,tags,query,organization,limit}")
    TargetPreview targets(@Nullable @QueryValue String nodeIds, @Nullable @QueryValue String groupIds,
                          @Nullable @QueryValue String tags, @Nullable @QueryValue String query,
                          @Nullable @QueryValue String organization, @Nullable @QueryValue String limit,
                          @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        JobRequest.TargetsRequest request = new JobRequest.TargetsRequest(list(nodeIds), list(groupIds), list(tags),
                query == null || query.isBlank() ? null : query);
        OrganizationId org = organization(operator, organization);
        int first = limit == null || limit.isBlank() ? 20 : parseLimit(limit);
        Page<Node> page = jobs.preview(request.targets(), org, allowed(operator, org), first);
        return new TargetPreview(page.items(), page.total());
    }

    private static NodeId nodeId(String what, String text) {
        try {
            return NodeId.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(what + " must be a UUID, got '" + text + "'");
        }
    }

    private static List<String> list(@Nullable String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return List.of();
        }
        return Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
    }

    private static int parseLimit(String limit) {
        try {
            int n = Integer.parseInt(limit.strip());
            if (n >= 1 && n <= 500) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiException.invalid("limit must be an integer between 1 and 500, got '" + limit + "'");
    }

    /** The job; {@code ?runs=false} leaves out the runs (counts only), for polling large jobs. */
    @RequiresPermission(Permission.JOBS_READ)
    @Get("/{id}{?runs}")
    Job get(@PathVariable String id, @Nullable @QueryValue String runs,
            @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        if (runs != null && !runs.equals("true") && !runs.equals("false")) {
            throw ApiException.invalid("runs must be true or false, got '" + runs + "'");
        }
        jobs.require(JobId.parse(id), jobs.visibleTo(operator, Permission.JOBS_READ));
        return "false".equals(runs) ? jobs.summary(JobId.parse(id)) : jobs.get(JobId.parse(id));
    }

    @RequiresPermission(Permission.JOBS_RUN)
    @Post("/{id}/cancel")
    Job cancel(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        AuditLog.describe(http, jobs.require(JobId.parse(id), jobs.visibleTo(operator, Permission.JOBS_RUN)), null,
                null);
        return jobs.cancel(JobId.parse(id), operator.username());
    }

    /** The body of a rerun: {@code {"only": "failed"}} or {@code {"only": "all"}} (the default). */
    @Serdeable
    record RerunRequest(@Nullable String only) {
    }

    @RequiresPermission(Permission.JOBS_RUN)
    @Post("/{id}/rerun")
    HttpResponse<Job> rerun(@PathVariable String id, @Nullable @Body RerunRequest request, HttpRequest<?> http,
                            @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        OrganizationId organization = jobs.require(JobId.parse(id), jobs.visibleTo(operator, Permission.JOBS_RUN));
        AuditLog.describe(http, organization, null, null);
        String only = request == null || request.only() == null ? "all" : request.only();
        if (!only.equals("all") && !only.equals("failed")) {
            throw ApiException.invalid("only must be all or failed, got '" + only + "'");
        }
        Job job = jobs.rerun(JobId.parse(id), allowed(operator, organization), only.equals("failed"),
                operator.username());
        return HttpResponse.created(job).header("Location", "/api/v1/jobs/" + job.id());
    }

    /**
     * The run's output as text from byte {@code offset}. Headers say where to continue ({@code Octofleet-Next-Offset})
     * and whether there can be more ({@code Octofleet-Output-Complete: true} once the run ended and all was read).
     */
    @RequiresPermission(Permission.JOBS_READ)
    @Get(value = "/{id}/runs/{nodeId}/output{?offset,attempt}", produces = MediaType.TEXT_PLAIN)
    HttpResponse<byte[]> output(@PathVariable String id, @PathVariable String nodeId,
                                @Nullable @QueryValue String offset, @Nullable @QueryValue String attempt,
                                @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        jobs.require(JobId.parse(id), jobs.visibleTo(operator, Permission.JOBS_READ));
        NodeId node = nodeId("node id", nodeId);
        JobService.RunOutput out = jobs.output(JobId.parse(id), node, parseLong("offset", offset),
                attempt == null ? null : (int) parseLong("attempt", attempt));
        return HttpResponse.ok(out.text())
                .contentType("text/plain; charset=utf-8")
                .header("Octofleet-Next-Offset", String.valueOf(out.nextOffset()))
                .header("Octofleet-Output-Bytes", String.valueOf(out.totalBytes()))
                .header("Octofleet-Output-Complete", String.valueOf(out.complete()));
    }

    /**
     * Server-Sent Events: first one {@code run} event per run (the current state), then {@code run}, {@code output},
     * {@code task} and {@code job} events as they happen; the stream ends after the {@code job} event that reports
     * the job ended. A {@code ping} event every 15 s keeps proxies from closing an idle stream.
     */
    @RequiresPermission(Permission.JOBS_READ)
    @Get(value = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM)
    @ExecuteOn(TaskExecutors.BLOCKING)
    Publisher<Event<Object>> events(@PathVariable String id, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        JobId job = JobId.parse(id);
        jobs.require(job, jobs.visibleTo(operator, Permission.JOBS_READ));
        Flux<JobEvents.Event> live = events.subscribe(job).onBackpressureBuffer(SSE_BUFFER);
        // Subscribe first, then read the snapshot: an event in between is seen twice rather than missed.
        Job snapshot = jobs.get(job);
        Flux<JobEvents.Event> initial = Flux.fromIterable(snapshot.runs())
                .map(r -> new JobEvents.Event(job, JobEvents.RUN, r));
        if (!snapshot.status().equals(JobStatus.RUNNING.apiName())) {
            initial = initial.concatWith(Flux.just(new JobEvents.Event(job, JobEvents.JOB,
                    new JobEvents.JobChanged(job, snapshot.status()))));
            return initial.map(JobController::sse);
        }
        Flux<JobEvents.Event> pings = Flux.interval(Duration.ofSeconds(15))
                .map(n -> new JobEvents.Event(job, PING, java.util.Map.of()));
        return initial.concatWith(Flux.merge(live, pings))
                .takeUntil(e -> e.type().equals(JobEvents.JOB)
                        && !((JobEvents.JobChanged) e.data()).status().equals(JobStatus.RUNNING.apiName()))
                .map(JobController::sse);
    }

    private static Event<Object> sse(JobEvents.Event e) {
        return Event.of(e.data()).name(e.type());
    }

    private static long parseLong(String name, @Nullable String text) {
        if (text == null || text.isBlank()) {
            return 0;
        }
        try {
            long value = Long.parseLong(text);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiException.invalid(name + " must be a non-negative number, got '" + text + "'");
    }
}
