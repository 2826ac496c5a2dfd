package io.octofleet.server.nodes;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.RequestAttribute;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.groups.GroupService;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
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
import io.octofleet.server.inventory.Inventory;
import io.octofleet.server.inventory.InventoryChange;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.problem.ApiException;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The fleet API. Query parameters arrive as text and are parsed here so that a bad value is a problem naming the
 * parameter and what it allows, not a conversion error.
 */
@Controller("/api/v1/nodes")
@ExecuteOn(TaskExecutors.BLOCKING) // every endpoint queries PostgreSQL over JDBC: keep it off the event loop
final class NodeController {
    private static final int DEFAULT_HISTORY_LIMIT = 100;

    private final NodeService nodes;
    private final InventoryService inventory;
    private final GroupService groups;

    NodeController(NodeService nodes, InventoryService inventory, GroupService groups) {
        this.nodes = nodes;
        this.inventory = inventory;
        this.groups = groups;
    }

    @RequiresPermission(Permission.NODES_READ)
    @Get("{?q,status,query,tag,page,size,sort}")
    Page<Node> list(@Nullable @QueryValue String q, @Nullable @QueryValue String status,
                    @Nullable @QueryValue String query, @Nullable @QueryValue String tag,
                    @Nullable @QueryValue String page,
                    @Nullable @QueryValue String size, @Nullable @QueryValue String sort,
                    @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return nodes.list(NodeQuery.parse(q, status, query, tag, page, size, sort),
                groups.nodesIn(operator.scope(Permission.NODES_READ)));
    }

    @RequiresPermission(Permission.NODES_READ)
    @Get("/{id}")
    NodeDetails get(@PathVariable String id, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        NodeId node = nodeId(id);
        Node found = nodes.require(node, groups.nodesIn(operator.scope(Permission.NODES_READ)));
        return new NodeDetails(found, inventory.find(node).orElse(null));
    }

    @RequiresPermission(Permission.NODES_READ)
    @Get("/{id}/inventory/history{?limit,before}")
    History history(@PathVariable String id, @Nullable @QueryValue String limit, @Nullable @QueryValue String before,
                    @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        NodeId node = visible(id, operator, Permission.NODES_READ);
        return new History(inventory.history(node, limit(limit), instant("before", before)));
    }

    @RequiresPermission(Permission.NODES_READ)
    @Get("/{id}/packages")
    Page<Inventory.SoftwarePackage> packages(@PathVariable String id,
                                             @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        List<Inventory.SoftwarePackage> packages = inventory.packages(visible(id, operator, Permission.NODES_READ));
        return new Page<>(packages, packages.size());
    }

    @RequiresPermission(Permission.NODES_WRITE)
    @Put("/{id}/tags")
    Tags replaceTags(@PathVariable String id, @Body Tags body, HttpRequest<?> http,
                     @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        NodeId node = visible(id, operator, Permission.NODES_WRITE);
        AuditLog.describe(http, nodes.organizationOf(node).orElse(null), null, null);
        if (body.tags() == null) {
            throw ApiException.invalid("tags is required: a list of strings, empty to remove all tags");
        }
        return new Tags(nodes.replaceTags(node, body.tags()));
    }

    @RequiresPermission(Permission.NODES_WRITE)
    @Delete("/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        NodeId node = visible(id, operator, Permission.NODES_WRITE);
        AuditLog.describe(http, nodes.organizationOf(node).orElse(null), null, null);
        nodes.delete(node);
    }

    /** A node with its full inventory (null until the agent's first report). */
    @Serdeable
    record NodeDetails(@JsonUnwrapped Node node, @Nullable Inventory inventory) {
    }

    /** The body and answer of {@code PUT /{id}/tags}. */
    @Serdeable
    record Tags(@Nullable List<String> tags) {
    }

    @Serdeable
    record History(List<InventoryChange> items) {
    }

    /** The node, if the operator holds {@code permission} for it; 404 otherwise, whether it exists or not. */
    private NodeId visible(String id, Operator operator, Permission permission) {
        NodeId node = nodeId(id);
        nodes.require(node, groups.nodesIn(operator.scope(permission)));
        return node;
    }

    private static NodeId nodeId(String text) {
        try {
            return NodeId.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("node id must be a UUID, got '" + text + "'");
        }
    }

    private static int limit(@Nullable String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_HISTORY_LIMIT;
        }
        try {
            int limit = Integer.parseInt(text.strip());
            if (limit >= 1 && limit <= InventoryService.MAX_HISTORY_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below with the allowed range
        }
        throw ApiException.invalid("limit must be an integer between 1 and " + InventoryService.MAX_HISTORY_LIMIT
                + ", got '" + text + "'");
    }

    private static @Nullable Instant instant(String parameter, @Nullable String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(parameter + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z, got '"
                    + text + "'");
        }
    }
}
