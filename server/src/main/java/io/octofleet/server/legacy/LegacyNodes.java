package io.octofleet.server.legacy;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.scheduling.annotation.Scheduled;
import io.octofleet.server.nodes.NodeDeleted;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.problem.ApiException;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.octofleet.server.db.Tables.LEGACY_REPORTS;
import static io.octofleet.server.db.Tables.NODES;
import static io.octofleet.server.db.Tables.NODE_OS;

/**
 * The nodes legacy agents report for: found by the node id the agent sends, created on its first inventory, marked
 * seen on every request. Also the set of legacy nodes the job engine treats as reachable (they poll), kept in memory
 * and reloaded every 30 s so that nodes created through another replica are known here too.
 */
@Singleton
public class LegacyNodes {
    private final DSLContext dsl;
    private final NodeService nodes;
    private final Set<NodeId> legacy = ConcurrentHashMap.newKeySet();

    LegacyNodes(DSLContext dsl, NodeService nodes) {
        this.dsl = dsl;
        this.nodes = nodes;
        reload();
    }

    /** A legacy node: its id, the platform its inventory says ("linux", "windows" or "" before the first one). */
    record Found(NodeId id, String legacyId, String platform) {
    }

    boolean isLegacy(NodeId node) {
        return legacy.contains(node);
    }

    @Scheduled(fixedDelay = "30s", initialDelay = "30s")
    void reload() {
        Set<NodeId> now = ConcurrentHashMap.newKeySet();
        dsl.select(NODES.ID).from(NODES).where(NODES.AGENT_KIND.eq("legacy"))
                .forEach(r -> now.add(new NodeId(r.value1())));
        legacy.addAll(now);
        legacy.retainAll(now);
    }

    @EventListener
    void onNodeDeleted(NodeDeleted event) {
        legacy.remove(event.node());
    }

    /**
     * The node a legacy agent means by {@code sentId} in the organization. The Windows agent names one machine three
     * ways (inventory: no id and its hostname, live data: the hostname in upper case, job poll: win-hostname), so
     * after the exact id, {@code win-<id in lower case>} and then a unique legacy node of that hostname match too.
     *
     * @throws ApiException 409 when the node has been taken over by the new agent (merged)
     */
    Optional<Found> find(OrganizationId organization, String sentId) {
        String lower = sentId.toLowerCase(Locale.ROOT);
        var rows = dsl.select(NODES.ID, NODES.LEGACY_ID, NODES.AGENT_KIND, NODE_OS.FAMILY)
                .from(NODES).leftJoin(NODE_OS).on(NODE_OS.NODE_ID.eq(NODES.ID))
                .where(NODES.ORGANIZATION_ID.eq(organization.value()))
                .and(NODES.LEGACY_ID.in(sentId, "win-" + lower)
                        .or(NODES.AGENT_KIND.eq("legacy").and(DSL.lower(NODES.HOSTNAME).eq(lower))))
                .fetch();
        var chosen = rows.stream().filter(r -> sentId.equals(r.value2())).findFirst()
                .or(() -> rows.stream().filter(r -> ("win-" + lower).equals(r.value2())).findFirst())
                .or(() -> rows.size() == 1 ? Optional.of(rows.get(0)) : Optional.empty());
        if (chosen.isEmpty()) {
            return Optional.empty();
        }
        var r = chosen.get();
        if (!"legacy".equals(r.value3())) {
            throw new ApiException(HttpStatus.CONFLICT, "replaced",
                    "node '" + sentId + "' is now managed by the Octofleet agent (node " + r.value1()
                            + "); stop and remove this legacy agent (docs/migration.md)");
        }
        return Optional.of(new Found(new NodeId(r.value1()), r.value2(), r.value4() == null ? "" : r.value4()));
    }

    /** The node for this report: found, or created now as a legacy node in the organization. */
    Found findOrCreate(DSLContext tx, OrganizationId organization, String legacyId, String hostname,
                       String agentVersion) {
        Optional<Found> found = find(organization, legacyId);
        if (found.isPresent()) {
            return found.get();
        }
        NodeId id = NodeId.random();
        nodes.createLegacy(tx, id, organization, hostname, agentVersion, legacyId);
        legacy.add(id);
        return new Found(id, legacyId, "");
    }

    /** The agent was heard from: online now, with the hostname and version it reports (when it reports them). */
    void seen(NodeId node, @Nullable String hostname, @Nullable String agentVersion) {
        var update = dsl.update(NODES).set(NODES.ONLINE, true).set(NODES.LAST_SEEN, DSL.currentOffsetDateTime());
        if (hostname != null && !hostname.isEmpty()) {
            update = update.set(NODES.HOSTNAME, hostname);
        }
        if (agentVersion != null && !agentVersion.isEmpty()) {
            update = update.set(NODES.AGENT_VERSION, agentVersion);
        }
        update.where(NODES.ID.eq(node.value())).execute();
    }

    /**
     * Keeps the report as sent (the latest of its kind per node); a NUL escape, which jsonb refuses, becomes U+FFFD.
     */
    void keepReport(DSLContext tx, NodeId node, String kind, Instant receivedAt, @Nullable String agentVersion,
                    String sent) {
        String body = sent.contains("\\u0000") ? sent.replace("\\u0000", "\\ufffd") : sent;
        tx.insertInto(LEGACY_REPORTS)
                .set(LEGACY_REPORTS.NODE_ID, node.value())
                .set(LEGACY_REPORTS.KIND, kind)
                .set(LEGACY_REPORTS.RECEIVED_AT, receivedAt.atOffset(ZoneOffset.UTC))
                .set(LEGACY_REPORTS.AGENT_VERSION, agentVersion)
                .set(LEGACY_REPORTS.BODY, JSONB.valueOf(body))
                .onConflict(LEGACY_REPORTS.NODE_ID, LEGACY_REPORTS.KIND).doUpdate()
                .set(LEGACY_REPORTS.RECEIVED_AT, receivedAt.atOffset(ZoneOffset.UTC))
                .set(LEGACY_REPORTS.AGENT_VERSION, agentVersion)
                .set(LEGACY_REPORTS.BODY, JSONB.valueOf(body))
                .execute();
    }

    Optional<OrganizationId> organizationOf(NodeId node) {
        return nodes.organizationOf(node);
    }

    /** A report as the legacy agent last sent it, for the API. */
    @io.micronaut.serde.annotation.Serdeable
    record KeptReport(String kind, Instant receivedAt, @Nullable String agentVersion,
                      io.micronaut.json.tree.JsonNode body) {
    }

    /** The kept reports of a node, inventory first; none for a node no legacy agent reported for. */
    java.util.List<KeptReport> reports(NodeId node, io.micronaut.json.JsonMapper json) {
        return dsl.selectFrom(LEGACY_REPORTS).where(LEGACY_REPORTS.NODE_ID.eq(node.value()))
                .orderBy(LEGACY_REPORTS.KIND).fetch(r -> {
                    try {
                        return new KeptReport(r.getKind(), r.getReceivedAt().toInstant(), r.getAgentVersion(),
                                json.readValue(r.getBody().data(), io.micronaut.core.type.Argument.of(
                                        io.micronaut.json.tree.JsonNode.class)));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
    }
}
