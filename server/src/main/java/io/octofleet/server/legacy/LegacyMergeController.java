package io.octofleet.server.legacy;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.RequestAttribute;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.octofleet.server.groups.GroupService;
import io.micronaut.json.JsonMapper;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;

import java.util.List;
import java.util.UUID;

/**
 * Legacy nodes in the node API: the reports their agents sent, kept as sent, and merging a legacy node into the new
 * agent's node for the same machine (docs/migration.md, step 5).
 */
@Controller("/api/v1/nodes")
@ExecuteOn(TaskExecutors.BLOCKING)
final class LegacyMergeController {
    private final LegacyMerge merge;
    private final LegacyNodes legacyNodes;
    private final NodeService nodes;
    private final GroupService groups;
    private final JsonMapper json;

    LegacyMergeController(LegacyMerge merge, LegacyNodes legacyNodes, NodeService nodes, GroupService groups,
                          JsonMapper json) {
        this.merge = merge;
        this.legacyNodes = legacyNodes;
        this.nodes = nodes;
        this.groups = groups;
        this.json = json;
    }

    /**
     * What a legacy agent last sent, as sent: the parts the typed inventory has no place for (security state,
     * Windows hotfixes and services, processes, agent logs). Empty for other nodes.
     */
    @RequiresPermission(Permission.NODES_READ)
    @Get("/{id}/legacy-reports")
    Page<LegacyNodes.KeptReport> reports(@PathVariable String id,
                                         @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        NodeId node = nodeId(id);
        nodes.require(node, groups.nodesIn(operator.scope(Permission.NODES_READ)));
        List<LegacyNodes.KeptReport> reports = legacyNodes.reports(node, json);
        return new Page<>(reports, reports.size());
    }

    @Serdeable
    record MergeRequest(@Nullable String legacyNodeId) {
    }

    @RequiresPermission(Permission.NODES_WRITE)
    @Get("/merge-candidates")
    Page<LegacyMerge.Candidate> candidates(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        List<LegacyMerge.Candidate> all = merge.candidates(operator);
        return new Page<>(all, all.size());
    }

    @RequiresPermission(Permission.NODES_WRITE)
    @Post("/{id}/merge")
    LegacyMerge.Merged merge(@PathVariable String id, @Body @Nullable MergeRequest request, HttpRequest<?> http,
                             @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        if (request == null || request.legacyNodeId() == null || request.legacyNodeId().isBlank()) {
            throw ApiException.invalid("legacyNodeId is required: the id of the legacy node to merge into this one");
        }
        NodeId into = nodeId(id);
        NodeId legacy = nodeId(request.legacyNodeId());
        LegacyMerge.Merged merged = merge.merge(operator, into, legacy);
        AuditLog.describe(http, null, null, merged);
        return merged;
    }

    private static NodeId nodeId(String text) {
        try {
            return new NodeId(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("node id must be a UUID, got '" + LegacyJson.abbreviate(text) + "'");
        }
    }
}
