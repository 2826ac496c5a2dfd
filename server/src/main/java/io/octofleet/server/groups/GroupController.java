package io.octofleet.server.groups;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.RequestAttribute;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.auth.Operator;
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
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.nodes.Node;
import io.octofleet.server.nodes.NodeQuery;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;

import java.util.List;
import java.util.UUID;

/** Groups over HTTP (docs/api.md). A group is replaced as a whole by PUT, with the same checks as POST. */
@Controller("/api/v1/groups")
@ExecuteOn(TaskExecutors.BLOCKING) // every endpoint queries PostgreSQL over JDBC: keep it off the event loop
final class GroupController {
    private final GroupService groups;
    private final Organizations organizations;

    GroupController(GroupService groups, Organizations organizations) {
        this.groups = groups;
        this.organizations = organizations;
    }

    /** The body of POST and PUT; nodeIds are strings so a malformed one is reported by name, not as bad JSON. */
    @Serdeable
    record GroupRequest(@Nullable String name, @Nullable String kind, @Nullable List<String> nodeIds,
                        @Nullable String rule, @Nullable String organization) {
        GroupDefinition definition() {
            return GroupDefinition.parse(name, kind, nodeIds, rule);
        }
    }

    @RequiresPermission(Permission.GROUPS_WRITE)
    @Post
    HttpResponse<Group> create(@Body GroupRequest request, HttpRequest<?> http,
                               @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        OrganizationId organization = operator.organizationFor(Permission.GROUPS_WRITE, request.organization(),
                organizations);
        AuditLog.describe(http, organization, null, null);
        Group group = groups.create(organization, request.definition());
        return HttpResponse.created(group).header("Location", "/api/v1/groups/" + group.id());
    }

    @RequiresPermission(Permission.GROUPS_READ)
    @Get
    Page<Group> list(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        List<Group> all = groups.list(operator.scope(Permission.GROUPS_READ));
        return new Page<>(all, all.size());
    }

    @RequiresPermission(Permission.GROUPS_READ)
    @Get("/{id}")
    Group get(@PathVariable String id, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return groups.find(groupId(id), operator.scope(Permission.GROUPS_READ));
    }

    @RequiresPermission(Permission.GROUPS_WRITE)
    @Put("/{id}")
    Group replace(@PathVariable String id, @Body GroupRequest request, HttpRequest<?> http,
                  @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        Group group = groups.replace(groupId(id), operator.scope(Permission.GROUPS_WRITE), request.definition());
        AuditLog.describe(http, group.organizationId(), null, null);
        return group;
    }

    @RequiresPermission(Permission.GROUPS_WRITE)
    @Delete("/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        AuditLog.describe(http, groups.delete(groupId(id), operator.scope(Permission.GROUPS_WRITE)), null, null);
    }

    @RequiresPermission(Permission.NODES_READ)
    @Get("/{id}/nodes{?q,status,query,tag,page,size,sort}")
    Page<Node> nodes(@PathVariable String id, @Nullable @QueryValue String q, @Nullable @QueryValue String status,
                     @Nullable @QueryValue String query, @Nullable @QueryValue String tag,
                     @Nullable @QueryValue String page,
                     @Nullable @QueryValue String size, @Nullable @QueryValue String sort,
                     @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        UUID group = groupId(id);
        return groups.nodes(group, operator.scope(Permission.GROUPS_READ),
                groups.nodesIn(operator.scope(Permission.NODES_READ)), NodeQuery.parse(q, status, query, tag, page, size, sort));
    }

    private static UUID groupId(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("group id must be a UUID, got '" + text + "'");
        }
    }
}
