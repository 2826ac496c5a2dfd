package io.octofleet.server.nodes;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.inventory.Inventory;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.SelectField;
import org.jooq.SelectOnConditionStep;
import org.jooq.SortField;
import org.jooq.impl.DSL;
import org.jooq.types.DayToSecond;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static io.octofleet.server.db.Tables.AGENT_CERTIFICATES;
import static io.octofleet.server.db.Tables.NODES;
import static io.octofleet.server.db.Tables.NODE_NICS;
import static io.octofleet.server.db.Tables.NODE_OS;
import static io.octofleet.server.db.Tables.NODE_TAGS;

/**
 * The nodes table (and the revocation of a node's certificates when it is deleted). Times are the database's
 * {@code now()}, so replicas with skewed clocks agree on who is stale.
 */
@Singleton
final class NodeRepository {
    /** The node's tags as one array per row, so a page of nodes stays one query. */
    private static final Field<String[]> TAGS = DSL.field(DSL.select(DSL.arrayAgg(NODE_TAGS.TAG))
            .from(NODE_TAGS).where(NODE_TAGS.NODE_ID.eq(NODES.ID))).as("tags");
    private static final List<SelectField<?>> NODE_FIELDS = List.of(NODES.ID, NODES.ORGANIZATION_ID, NODES.HOSTNAME,
            NODES.ONLINE,
            NODES.LAST_SEEN, NODES.AGENT_VERSION, NODES.AGENT_KIND, NODES.ENROLLED_AT,
            NODE_OS.FAMILY, NODE_OS.NAME, NODE_OS.VERSION, NODE_OS.KERNEL, NODE_OS.ARCH, TAGS);

    private final DSLContext dsl;
    private final Organizations organizations;

    NodeRepository(DSLContext dsl, Organizations organizations) {
        this.dsl = dsl;
        this.organizations = organizations;
    }

    void insert(DSLContext tx, NodeId id, OrganizationId organization, String hostname, String agentVersion,
                @Nullable UUID enrollmentTokenId) {
        tx.insertInto(NODES)
                .set(NODES.ID, id.value())
                .set(NODES.ORGANIZATION_ID, organization.value())
                .set(NODES.HOSTNAME, hostname)
                .set(NODES.AGENT_VERSION, agentVersion)
                .set(NODES.ENROLLED_WITH_TOKEN, enrollmentTokenId)
                .execute();
    }

    void insertLegacy(DSLContext tx, NodeId id, OrganizationId organization, String hostname, String agentVersion,
                      String legacyId) {
        tx.insertInto(NODES)
                .set(NODES.ID, id.value())
                .set(NODES.ORGANIZATION_ID, organization.value())
                .set(NODES.HOSTNAME, hostname)
                .set(NODES.AGENT_VERSION, agentVersion)
                .set(NODES.AGENT_KIND, "legacy")
                .set(NODES.LEGACY_ID, legacyId)
                .execute();
    }

    boolean exists(NodeId id) {
        return dsl.fetchExists(NODES, NODES.ID.eq(id.value()));
    }

    Optional<Node> find(NodeId id, Condition visible) {
        return selectNodes(dsl).where(NODES.ID.eq(id.value())).and(visible).fetchOptional(this::node);
    }

    Optional<OrganizationId> organizationOf(NodeId id) {
        return dsl.select(NODES.ORGANIZATION_ID).from(NODES).where(NODES.ID.eq(id.value()))
                .fetchOptional(r -> new OrganizationId(r.value1()));
    }

    /** {@code scope} narrows the query further (a group's members); it is a condition on {@code NODES}. */
    Page<Node> list(NodeQuery query, Condition scope) {
        Condition condition = condition(query).and(scope);
        int total = dsl.fetchCount(NODES, condition);
        List<Node> items = selectNodes(dsl)
                .where(condition)
                .orderBy(order(query), NODES.ID)
                .limit(query.size())
                .offset((long) query.page() * query.size())
                .fetch(this::node);
        return new Page<>(items, total);
    }

    /** Each tag carried by a node {@code scope} selects, with how many of those nodes carry it, by tag. */
    List<NodeTags.Count> tagCounts(Condition scope) {
        return dsl.select(NODE_TAGS.TAG, DSL.count())
                .from(NODE_TAGS).join(NODES).on(NODES.ID.eq(NODE_TAGS.NODE_ID))
                .where(scope)
                .groupBy(NODE_TAGS.TAG)
                .orderBy(NODE_TAGS.TAG)
                .fetch(r -> new NodeTags.Count(r.value1(), r.value2()));
    }

    /** The ids of the nodes {@code condition} (on {@code NODES}) selects. */
    List<NodeId> ids(Condition condition) {
        return dsl.select(NODES.ID).from(NODES).where(condition).fetch(r -> new NodeId(r.value1()));
    }

    /** Locks the node's row so concurrent tag replacements apply one after the other; false when there is no node. */
    boolean lock(DSLContext tx, NodeId id) {
        return tx.select(NODES.ID).from(NODES).where(NODES.ID.eq(id.value())).forUpdate().fetchOptional().isPresent();
    }

    void replaceTags(DSLContext tx, NodeId id, List<String> tags) {
        tx.deleteFrom(NODE_TAGS).where(NODE_TAGS.NODE_ID.eq(id.value())).execute();
        if (!tags.isEmpty()) {
            var insert = tx.insertInto(NODE_TAGS, NODE_TAGS.NODE_ID, NODE_TAGS.TAG);
            for (String tag : tags) {
                insert = insert.values(id.value(), tag);
            }
            insert.execute();
        }
    }

    /** Nodes carrying at least one of {@code tags}. */
    static Condition taggedWithAny(Collection<String> tags) {
        return DSL.exists(DSL.selectOne().from(NODE_TAGS)
                .where(NODE_TAGS.NODE_ID.eq(NODES.ID).and(NODE_TAGS.TAG.eq(DSL.any(tags.toArray(String[]::new))))));
    }

    /** Exactly the nodes {@code ids}, those that exist; one array parameter however many ids there are. */
    static Condition withIds(Collection<NodeId> ids) {
        return NODES.ID.eq(DSL.any(ids.stream().map(NodeId::value).toArray(UUID[]::new)));
    }

    void sessionOpened(NodeId id, UUID sessionId, String hostname, String agentVersion) {
        dsl.update(NODES)
                .set(NODES.ONLINE, true)
                .set(NODES.SESSION_ID, sessionId)
                .set(NODES.LAST_SEEN, DSL.currentOffsetDateTime())
                .set(NODES.HOSTNAME, hostname)
                .set(NODES.AGENT_VERSION, agentVersion)
                .where(NODES.ID.eq(id.value()))
                .execute();
    }

    /**
     * Many heartbeats in one statement: each node whose current session is the one given is marked online and seen
     * now. Returns the nodes that counted; the others lost their node to a newer session or to deletion.
     */
    Set<NodeId> heartbeats(List<NodeId> ids, List<UUID> sessions) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        Set<NodeId> counted = new HashSet<>();
        dsl.resultQuery("UPDATE nodes SET online = true, last_seen = now() "
                        + "FROM unnest(?::uuid[], ?::uuid[]) AS beat(node_id, session_id) "
                        + "WHERE nodes.id = beat.node_id AND nodes.session_id = beat.session_id RETURNING nodes.id",
                        ids.stream().map(NodeId::value).toArray(UUID[]::new), sessions.toArray(UUID[]::new))
                .forEach(r -> counted.add(new NodeId(r.get(0, UUID.class))));
        return counted;
    }

    void sessionClosed(NodeId id, UUID sessionId) {
        dsl.update(NODES)
                .set(NODES.ONLINE, false)
                .set(NODES.SESSION_ID, (UUID) null)
                .set(NODES.LAST_SEEN, DSL.currentOffsetDateTime())
                .where(NODES.ID.eq(id.value()).and(NODES.SESSION_ID.eq(sessionId)))
                .execute();
    }

    int markOfflineNotSeenFor(Duration silence) {
        // session_id stays: if that session is in fact alive, its next heartbeat marks the node online again.
        return dsl.update(NODES)
                .set(NODES.ONLINE, false)
                .where(NODES.ONLINE.isTrue()
                        .and(NODES.LAST_SEEN.lt(DSL.currentOffsetDateTime().minus(DayToSecond.valueOf(silence)))))
                .execute();
    }

    /** Revokes the node's certificates that are not revoked yet; earlier revocations keep their time and reason. */
    int revokeCertificates(DSLContext tx, NodeId id, String reason) {
        return tx.update(AGENT_CERTIFICATES)
                .set(AGENT_CERTIFICATES.REVOKED_AT, DSL.currentOffsetDateTime())
                .set(AGENT_CERTIFICATES.REVOCATION_REASON, reason)
                .where(AGENT_CERTIFICATES.NODE_ID.eq(id.value()).and(AGENT_CERTIFICATES.REVOKED_AT.isNull()))
                .execute();
    }

    /** Deletes the node; its inventory rows cascade. False when there was no such node. */
    boolean delete(DSLContext tx, NodeId id) {
        return tx.deleteFrom(NODES).where(NODES.ID.eq(id.value())).execute() == 1;
    }

    private static SelectOnConditionStep<Record> selectNodes(DSLContext ctx) {
        return ctx.select(NODE_FIELDS).from(NODES).leftJoin(NODE_OS).on(NODE_OS.NODE_ID.eq(NODES.ID));
    }

    private static Condition condition(NodeQuery query) {
        Condition condition = DSL.noCondition();
        if (query.status() != null) {
            condition = condition.and(NODES.ONLINE.eq(query.status() == NodeStatus.ONLINE));
        }
        String text = query.text();
        if (text != null) {
            condition = condition.and(NODES.ID.in(textMatches(text)));
        }
        if (query.tag() != null) {
            condition = condition.and(taggedWithAny(List.of(query.tag())));
        }
        if (query.rule() != null) {
            condition = condition.and(query.rule().condition());
        }
        return condition;
    }

    /**
     * The ids of the nodes whose hostname contains {@code text} (case-insensitive), whose id starts with it, or one of
     * whose NICs has it as MAC or IP address: a union of one indexed lookup per kind (the hostname by its trigram
     * index), where one OR over the three made every search read every node. The id and NIC branches are left out
     * when the text cannot be an id prefix or an address. contains/startsWith escape LIKE wildcards, so '%' or '_'
     * in the query match themselves.
     */
    private static org.jooq.Select<Record1<UUID>> textMatches(String text) {
        org.jooq.Select<Record1<UUID>> matches = DSL.select(NODES.ID).from(NODES)
                .where(NODES.HOSTNAME.containsIgnoreCase(text));
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.matches("[0-9a-f-]{1,36}")) {
            matches = matches.union(DSL.select(NODES.ID).from(NODES)
                    .where(NODES.ID.cast(String.class).startsWith(lower)));
        }
        if (text.contains(":") || text.contains(".")) {
            matches = matches.union(DSL.select(NODE_NICS.NODE_ID).from(NODE_NICS).where(DSL.or(
                    NODE_NICS.MAC.equalIgnoreCase(text),
                    DSL.val(text).eq(DSL.any(NODE_NICS.IPV4)),
                    DSL.val(text).eq(DSL.any(NODE_NICS.IPV6)))));
        }
        return matches;
    }

    private static SortField<?> order(NodeQuery query) {
        Field<?> field = switch (query.sort()) {
            case HOSTNAME -> DSL.lower(NODES.HOSTNAME);
            case LAST_SEEN -> NODES.LAST_SEEN;
            case STATUS -> NODES.ONLINE; // false < true: offline before online, as the names sort
            case ENROLLED_AT -> NODES.ENROLLED_AT;
        };
        // Never-seen nodes go last whichever the direction: they are the least interesting either way.
        return (query.descending() ? field.desc() : field.asc()).nullsLast();
    }

    private Node node(Record r) {
        String family = r.get(NODE_OS.FAMILY);
        String[] tags = r.get(TAGS);
        OffsetDateTime lastSeen = r.get(NODES.LAST_SEEN);
        return new Node(new NodeId(r.get(NODES.ID)), organizations.name(r.get(NODES.ORGANIZATION_ID)),
                r.get(NODES.HOSTNAME),
                r.get(NODES.ONLINE) ? NodeStatus.ONLINE : NodeStatus.OFFLINE,
                lastSeen == null ? null : lastSeen.toInstant(),
                r.get(NODES.AGENT_VERSION), r.get(NODES.AGENT_KIND),
                family == null ? null : new Inventory.OperatingSystem(family, r.get(NODE_OS.NAME),
                        r.get(NODE_OS.VERSION), r.get(NODE_OS.KERNEL), r.get(NODE_OS.ARCH)),
                r.get(NODES.ENROLLED_AT).toInstant(),
                tags == null ? List.of() : Arrays.stream(tags).sorted().toList());
    }
}
