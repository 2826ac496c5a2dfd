package io.octofleet.server.legacy;

import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.http.HttpStatus;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.metrics.MetricsMaintainer;
import io.octofleet.server.metrics.StorageKind;
import io.octofleet.server.nodes.Node;
import io.octofleet.server.nodes.NodeDeleted;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeQuery;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.octofleet.server.db.Tables.NODES;

/**
 * Merges a legacy node into the node the new agent made for the same machine: the legacy node's history (inventory
 * changes, metrics, finished job runs) moves to the new node, its tags, static group memberships and node parameters
 * are added where the new node has none of its own, and the legacy node is deleted. The new node keeps the legacy
 * id, so the old agent, should it still run, is told it was replaced ({@link LegacyNodes#find}) instead of creating
 * the node again. One transaction: all of it or none.
 */
@Singleton
final class LegacyMerge {
    private static final Logger LOG = LoggerFactory.getLogger(LegacyMerge.class);
    private final DSLContext dsl;
    private final NodeService nodes;
    private final StorageKind metricStorage;
    private final ApplicationEventPublisher<NodeDeleted> deletions;

    LegacyMerge(DSLContext dsl, NodeService nodes, MetricsMaintainer metrics,
                ApplicationEventPublisher<NodeDeleted> deletions) {
        this.dsl = dsl;
        this.nodes = nodes;
        this.metricStorage = metrics.kind();
        this.deletions = deletions;
    }

    /** A legacy node and an Octofleet node that look like one machine, and why. */
    @Serdeable
    record Candidate(Node legacy, Node octofleet, String matchedBy) {
    }

    /** What a merge moved. */
    @Serdeable
    record Merged(Node node, UUID mergedLegacyNode, String legacyId, long inventoryChanges, long metricSamples,
                  long jobRuns, long tags, long groups, long parameters) {
    }

    /**
     * Pairs by hardware serial number (when both report one), else by hostname, case-insensitive; within one
     * organization wholly in the operator's {@code nodes:write} scope.
     */
    List<Candidate> candidates(Operator operator) {
        var scope = operator.scope(Permission.NODES_WRITE).wholeOrganizations(DSL.field(DSL.name("l",
                "organization_id"), UUID.class));
        var pairs = dsl.resultQuery("SELECT l.id AS legacy, o.id AS octofleet, "
                        + "CASE WHEN ls.serial <> '' AND ls.serial = os.serial THEN 'serial' ELSE 'hostname' END AS matched "
                        + "FROM nodes l JOIN nodes o ON o.organization_id = l.organization_id "
                        + "AND o.agent_kind = 'octofleet' "
                        + "LEFT JOIN node_system ls ON ls.node_id = l.id LEFT JOIN node_system os ON os.node_id = o.id "
                        + "WHERE l.agent_kind = 'legacy' AND {0} AND ((ls.serial <> '' AND ls.serial = os.serial) "
                        + "OR lower(l.hostname) = lower(o.hostname)) ORDER BY lower(l.hostname), o.enrolled_at DESC "
                        + "LIMIT 1000", scope).fetch();
        // The nodes of all pairs in a query per 500, not two lookups per pair.
        List<UUID> ids = pairs.stream().flatMap(r -> java.util.stream.Stream.of(r.get("legacy", UUID.class),
                r.get("octofleet", UUID.class))).distinct().toList();
        java.util.Map<UUID, Node> byId = new java.util.HashMap<>();
        NodeQuery page = new NodeQuery(null, null, null, null, 0, NodeQuery.MAX_SIZE, NodeQuery.Sort.HOSTNAME, false);
        for (int from = 0; from < ids.size(); from += NodeQuery.MAX_SIZE) {
            nodes.list(page, NODES.ID.in(ids.subList(from, Math.min(ids.size(), from + NodeQuery.MAX_SIZE))))
                    .items().forEach(n -> byId.put(n.id().value(), n));
        }
        List<Candidate> out = new ArrayList<>();
        for (Record r : pairs) {
            Node legacy = byId.get(r.get("legacy", UUID.class));
            Node octofleet = byId.get(r.get("octofleet", UUID.class));
            if (legacy != null && octofleet != null) {
                out.add(new Candidate(legacy, octofleet, r.get("matched", String.class)));
            }
        }
        return out;
    }

    Merged merge(Operator operator, NodeId into, NodeId legacyNode) {
        if (into.equals(legacyNode)) {
            throw ApiException.invalid("a node cannot be merged into itself");
        }
        Merged merged = dsl.transactionResult(c -> {
            DSLContext tx = c.dsl();
            var rows = tx.select(NODES.ID, NODES.ORGANIZATION_ID, NODES.AGENT_KIND, NODES.LEGACY_ID).from(NODES)
                    .where(NODES.ID.in(into.value(), legacyNode.value()))
                    .orderBy(NODES.ID).forUpdate().fetch();
            Record target = rows.stream().filter(r -> r.get(NODES.ID).equals(into.value())).findFirst()
                    .filter(r -> operator.sees(new OrganizationId(r.get(NODES.ORGANIZATION_ID))))
                    .orElseThrow(() -> ApiException.notFound("node " + into));
            Record old = rows.stream().filter(r -> r.get(NODES.ID).equals(legacyNode.value())).findFirst()
                    .filter(r -> operator.sees(new OrganizationId(r.get(NODES.ORGANIZATION_ID))))
                    .orElseThrow(() -> ApiException.notFound("node " + legacyNode));
            OrganizationId organization = new OrganizationId(target.get(NODES.ORGANIZATION_ID));
            if (!operator.allows(Permission.NODES_WRITE, organization)) {
                throw new ApiException(HttpStatus.FORBIDDEN, "forbidden",
                        "merging needs " + Permission.NODES_WRITE + " on the whole organization");
            }
            if (!"legacy".equals(old.get(NODES.AGENT_KIND))) {
                throw ApiException.invalid("node " + legacyNode + " is not a legacy node; only a legacy node is "
                        + "merged into the node of the new agent");
            }
            if (!"octofleet".equals(target.get(NODES.AGENT_KIND))) {
                throw ApiException.invalid("node " + into + " is a legacy node; merge into the node the Octofleet "
                        + "agent made");
            }
            if (!organization.value().equals(old.get(NODES.ORGANIZATION_ID))) {
                throw ApiException.invalid("the two nodes are in different organizations");
            }
            UUID from = legacyNode.value();
            UUID to = into.value();
            long history = tx.execute("UPDATE inventory_changes SET node_id = ? WHERE node_id = ?", to, from);
            long samples = tx.execute("UPDATE metric_samples SET node_id = ? WHERE node_id = ?", to, from);
            if (metricStorage == StorageKind.NATIVE) {
                for (String rollup : List.of("metric_1m", "metric_1h")) {
                    tx.execute("INSERT INTO " + rollup + " (bucket, node_id, name, instance, value_avg, value_min, "
                            + "value_max, samples) SELECT bucket, ?, name, instance, value_avg, value_min, value_max, "
                            + "samples FROM " + rollup + " WHERE node_id = ? ON CONFLICT DO NOTHING", to, from);
                    tx.execute("DELETE FROM " + rollup + " WHERE node_id = ?", from);
                }
            }
            // Finished runs only (active ones end 'unreachable' with the legacy node), and not where the new node has
            // the same attempt of the same job.
            long runs = tx.execute("UPDATE job_runs r SET node_id = ? WHERE node_id = ? "
                    + "AND status NOT IN ('queued', 'sent', 'running') AND NOT EXISTS (SELECT 1 FROM job_runs x "
                    + "WHERE x.job_id = r.job_id AND x.node_id = ? AND x.attempt = r.attempt)", to, from, to);
            long tags = tx.execute("INSERT INTO node_tags (node_id, tag) SELECT ?, tag FROM node_tags WHERE node_id = ? "
                    + "ON CONFLICT DO NOTHING", to, from);
            long groups = tx.execute("INSERT INTO group_members (group_id, node_id) SELECT group_id, ? FROM "
                    + "group_members WHERE node_id = ? ON CONFLICT DO NOTHING", to, from);
            long parameters = tx.execute("UPDATE parameters p SET node_id = ? WHERE node_id = ? AND NOT EXISTS "
                    + "(SELECT 1 FROM parameters x WHERE x.node_id = ? AND x.key = p.key)", to, from, to);
            String legacyId = old.get(NODES.LEGACY_ID);
            tx.deleteFrom(NODES).where(NODES.ID.eq(from)).execute();
            tx.update(NODES).set(NODES.LEGACY_ID, legacyId).where(NODES.ID.eq(to)).execute();
            return new Merged(null, from, legacyId, history, samples, runs, tags, groups, parameters);
        });
        try {
            deletions.publishEvent(new NodeDeleted(legacyNode));
        } catch (RuntimeException e) {
            LOG.warn("legacy node {} merged and deleted, but a listener failed to act on it", legacyNode, e);
        }
        LOG.info("Legacy node {} ({}) merged into node {} by {}: {} inventory changes, {} metric samples, {} job runs",
                legacyNode, merged.legacyId(), into, operator.username(), merged.inventoryChanges(),
                merged.metricSamples(), merged.jobRuns());
        return new Merged(nodes.find(into).orElseThrow(), merged.mergedLegacyNode(), merged.legacyId(),
                merged.inventoryChanges(), merged.metricSamples(), merged.jobRuns(), merged.tags(), merged.groups(),
                merged.parameters());
    }
}
