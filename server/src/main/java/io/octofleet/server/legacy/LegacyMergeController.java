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
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;

import java.util.List;
import java.util.UUID;

/** Merging a legacy node into the new agent's node for the same machine (docs/migration.md, step 5). */
@Controller("/api/v1/nodes")
@ExecuteOn(TaskExecutors.BLOCKING)
final class LegacyMergeController {
    private final LegacyMerge merge;

    LegacyMergeController(LegacyMerge merge) {
        this.merge = merge;
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
