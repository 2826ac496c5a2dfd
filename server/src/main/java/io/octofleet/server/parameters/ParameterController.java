package io.octofleet.server.parameters;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.RequestAttribute;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.groups.GroupService;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;

import java.util.List;
import java.util.UUID;

/** Global, group and node parameters over HTTP (docs/api.md#parameters). Secret values never leave the server here. */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING) // every endpoint queries PostgreSQL over JDBC: keep it off the event loop
final class ParameterController {
    private final ParameterService parameters;
    private final GroupService groups;
    private final NodeService nodes;
    private final Organizations organizations;

    ParameterController(ParameterService parameters, GroupService groups, NodeService nodes,
                        Organizations organizations) {
        this.parameters = parameters;
        this.groups = groups;
        this.nodes = nodes;
        this.organizations = organizations;
    }

    /** The body of PUT; the key comes from the path. */
    @Serdeable
    record ParameterRequest(@Nullable String value, @Nullable Boolean secret) {
    }

    // Organization-wide ("global") parameters: ?organization= names the organization; without it, the only one where
    // the caller holds the permission (or default for a super-admin).

    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/parameters{?organization}")
    Page<Parameter> listGlobal(@Nullable @QueryValue String organization,
                               @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return page(parameters.list(global(operator, Permission.PARAMETERS_READ, organization, null)));
    }

    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/parameters/{key}{?organization}")
    Parameter getGlobal(@PathVariable String key, @Nullable @QueryValue String organization,
                        @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return parameters.find(global(operator, Permission.PARAMETERS_READ, organization, null),
                ParameterDefinition.validKey(key));
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Put("/parameters/{key}{?organization}")
    Parameter putGlobal(@PathVariable String key, @Nullable @QueryValue String organization,
                        @Body ParameterRequest body, HttpRequest<?> http,
                        @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return put(global(operator, Permission.PARAMETERS_WRITE, organization, http), key, body);
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Delete("/parameters/{key}{?organization}")
    @Status(HttpStatus.NO_CONTENT)
    void deleteGlobal(@PathVariable String key, @Nullable @QueryValue String organization, HttpRequest<?> http,
                      @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        parameters.delete(global(operator, Permission.PARAMETERS_WRITE, organization, http),
                ParameterDefinition.validKey(key));
    }

    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/groups/{id}/parameters")
    Page<Parameter> listGroup(@PathVariable String id, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return page(parameters.list(group(id, operator, Permission.PARAMETERS_READ, null)));
    }

    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/groups/{id}/parameters/{key}")
    Parameter getGroup(@PathVariable String id, @PathVariable String key,
                       @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return parameters.find(group(id, operator, Permission.PARAMETERS_READ, null), ParameterDefinition.validKey(key));
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Put("/groups/{id}/parameters/{key}")
    Parameter putGroup(@PathVariable String id, @PathVariable String key, @Body ParameterRequest body,
                       HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return put(group(id, operator, Permission.PARAMETERS_WRITE, http), key, body);
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Delete("/groups/{id}/parameters/{key}")
    @Status(HttpStatus.NO_CONTENT)
    void deleteGroup(@PathVariable String id, @PathVariable String key, HttpRequest<?> http,
                     @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        parameters.delete(group(id, operator, Permission.PARAMETERS_WRITE, http), ParameterDefinition.validKey(key));
    }

    /** The node's own parameters, or with {@code effective=true} everything it inherits, with the source of each. */
    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/nodes/{id}/parameters{?effective}")
    Page<?> listNode(@PathVariable String id, @Nullable @QueryValue String effective,
                     @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        ParameterOwner owner = node(id, operator, Permission.PARAMETERS_READ, null);
        if (effective == null || effective.equals("false")) {
            return page(parameters.list(owner));
        }
        if (!effective.equals("true")) {
            throw ApiException.invalid("effective must be true or false, got '" + effective + "'");
        }
        List<EffectiveParameter> inherited = parameters.effective(owner.nodeId());
        return new Page<>(inherited, inherited.size());
    }

    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/nodes/{id}/parameters/{key}")
    Parameter getNode(@PathVariable String id, @PathVariable String key,
                      @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return parameters.find(node(id, operator, Permission.PARAMETERS_READ, null), ParameterDefinition.validKey(key));
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Put("/nodes/{id}/parameters/{key}")
    Parameter putNode(@PathVariable String id, @PathVariable String key, @Body ParameterRequest body,
                      HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return put(node(id, operator, Permission.PARAMETERS_WRITE, http), key, body);
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Delete("/nodes/{id}/parameters/{key}")
    @Status(HttpStatus.NO_CONTENT)
    void deleteNode(@PathVariable String id, @PathVariable String key, HttpRequest<?> http,
                    @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        parameters.delete(node(id, operator, Permission.PARAMETERS_WRITE, http), ParameterDefinition.validKey(key));
    }

    private Parameter put(ParameterOwner owner, String key, ParameterRequest body) {
        return parameters.put(owner, ParameterDefinition.parse(key, body.value(), body.secret()));
    }

    private static Page<Parameter> page(List<Parameter> items) {
        return new Page<>(items, items.size());
    }

    // Owners are resolved within the caller's scope: another organization's group or node is a 404. A change also
    // tells the audit log which organization it concerns (http is null for reads).

    private ParameterOwner global(Operator operator, Permission permission, @Nullable String organization,
                                  @Nullable HttpRequest<?> http) {
        OrganizationId id = operator.organizationFor(permission, organization, organizations);
        describe(http, id);
        return ParameterOwner.global(id);
    }

    private ParameterOwner group(String text, Operator operator, Permission permission, @Nullable HttpRequest<?> http) {
        UUID id;
        try {
            id = UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("group id must be a UUID, got '" + text + "'");
        }
        OrganizationId organization = groups.find(id, operator.scope(permission)).organizationId();
        describe(http, organization);
        return ParameterOwner.group(organization, id);
    }

    private ParameterOwner node(String text, Operator operator, Permission permission, @Nullable HttpRequest<?> http) {
        NodeId id;
        try {
            id = NodeId.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("node id must be a UUID, got '" + text + "'");
        }
        nodes.require(id, groups.nodesIn(operator.scope(permission)));
        OrganizationId organization = nodes.organizationOf(id).orElseThrow(() -> ApiException.notFound("node " + id));
        describe(http, organization);
        return ParameterOwner.node(organization, id);
    }

    private static void describe(@Nullable HttpRequest<?> http, OrganizationId organization) {
        if (http != null) {
            AuditLog.describe(http, organization, null, null);
        }
    }
}
