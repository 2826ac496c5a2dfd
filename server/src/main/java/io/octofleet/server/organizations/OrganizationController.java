package io.octofleet.server.organizations;

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
import io.octofleet.server.auth.SignedIn;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.exception.IntegrityConstraintViolationException;

import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import static io.octofleet.server.db.Tables.GROUPS;
import static io.octofleet.server.db.Tables.JOBS;
import static io.octofleet.server.db.Tables.NODES;
import static io.octofleet.server.db.Tables.ORGANIZATIONS;
import static io.octofleet.server.db.Tables.SCHEDULES;

/**
 * {@code /api/v1/organizations}: everyone signed in sees the organizations their bindings reach; creating, renaming
 * the description of and deleting organizations is for {@code settings:manage} in every organization (the MSP
 * operator).
 */
@Controller("/api/v1/organizations")
@ExecuteOn(TaskExecutors.BLOCKING)
final class OrganizationController {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private final DSLContext dsl;
    private final Organizations organizations;

    OrganizationController(DSLContext dsl, Organizations organizations) {
        this.dsl = dsl;
        this.organizations = organizations;
    }

    @Serdeable
    record OrganizationRequest(@Nullable String name, @Nullable String description) {
    }

    @SignedIn
    @Get
    Page<Organization> list(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        List<Organization> visible = dsl.selectFrom(ORGANIZATIONS).orderBy(ORGANIZATIONS.NAME).fetch().stream()
                .filter(r -> operator.sees(new OrganizationId(r.getId())))
                .map(OrganizationController::view).toList();
        return new Page<>(visible, visible.size());
    }

    @SignedIn
    @Get("/{name}")
    Organization get(@PathVariable String name, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        OrganizationId id = visible(name, operator);
        return dsl.selectFrom(ORGANIZATIONS).where(ORGANIZATIONS.ID.eq(id.value())).fetchSingle(OrganizationController::view);
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Post
    HttpResponse<Organization> create(@Body OrganizationRequest request, HttpRequest<?> http,
                                      @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "organizations");
        String name = request.name() == null ? "" : request.name();
        if (!NAME.matcher(name).matches()) {
            throw ApiException.invalid("name must be 1-63 lowercase letters, digits or '-', starting with a letter "
                    + "or digit");
        }
        UUID id = UUID.randomUUID();
        try {
            dsl.insertInto(ORGANIZATIONS, ORGANIZATIONS.ID, ORGANIZATIONS.NAME, ORGANIZATIONS.DESCRIPTION)
                    .values(id, name, description(request.description())).execute();
        } catch (IntegrityConstraintViolationException e) {
            throw new ApiException(HttpStatus.CONFLICT, "conflict", "an organization named '" + name
                    + "' already exists");
        }
        Organization created = get(name, operator);
        AuditLog.describe(http, new OrganizationId(id), null, created);
        return HttpResponse.created(created).header("Location", "/api/v1/organizations/" + name);
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Put("/{name}")
    Organization update(@PathVariable String name, @Body OrganizationRequest request, HttpRequest<?> http,
                        @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "organizations");
        Organization before = get(name, operator);
        if (request.name() != null && !request.name().equals(name)) {
            throw ApiException.invalid("an organization cannot be renamed (its name is in tokens and scripts); "
                    + "only description can change");
        }
        OrganizationId id = visible(name, operator);
        dsl.update(ORGANIZATIONS).set(ORGANIZATIONS.DESCRIPTION, description(request.description()))
                .where(ORGANIZATIONS.ID.eq(id.value())).execute();
        Organization after = get(name, operator);
        AuditLog.describe(http, id, before, after);
        return after;
    }

    @RequiresPermission(Permission.SETTINGS_MANAGE)
    @Delete("/{name}")
    @Status(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String name, HttpRequest<?> http,
                @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SETTINGS_MANAGE, "organizations");
        Organization before = get(name, operator);
        OrganizationId id = visible(name, operator);
        if (id.equals(OrganizationId.DEFAULT)) {
            throw new ApiException(HttpStatus.CONFLICT, "conflict", "the default organization cannot be deleted");
        }
        int nodes = dsl.fetchCount(NODES, NODES.ORGANIZATION_ID.eq(id.value()));
        int groups = dsl.fetchCount(GROUPS, GROUPS.ORGANIZATION_ID.eq(id.value()));
        int jobs = dsl.fetchCount(JOBS, JOBS.ORGANIZATION_ID.eq(id.value()));
        int schedules = dsl.fetchCount(SCHEDULES, SCHEDULES.ORGANIZATION_ID.eq(id.value()));
        if (nodes + groups + jobs + schedules > 0) {
            throw new ApiException(HttpStatus.CONFLICT, "organization-not-empty", "organization '" + name
                    + "' still has " + nodes + " node(s), " + groups + " group(s), " + jobs + " job(s) and "
                    + schedules + " schedule(s); delete or move them first");
        }
        // role bindings, mappings, tokens and parameters of the organization go with it (ON DELETE CASCADE)
        dsl.deleteFrom(ORGANIZATIONS).where(ORGANIZATIONS.ID.eq(id.value())).execute();
        organizations.forget(id);
        AuditLog.describe(http, id, before, null);
    }

    private OrganizationId visible(String name, Operator operator) {
        return organizations.byName(name).filter(operator::sees)
                .orElseThrow(() -> ApiException.notFound("organization '" + name + "'"));
    }


    private static String description(@Nullable String description) {
        String text = description == null ? "" : description.strip();
        if (text.length() > 500) {
            throw ApiException.invalid("description must be at most 500 characters");
        }
        return text;
    }

    private static Organization view(Record r) {
        var row = r.into(ORGANIZATIONS);
        return new Organization(row.getName(), row.getDescription(), row.getCreatedAt().toInstant());
    }
}
