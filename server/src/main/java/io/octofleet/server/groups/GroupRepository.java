package io.octofleet.server.groups;

import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.db.tables.records.GroupsRecord;
import io.octofleet.server.nodes.NodeId;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.octofleet.server.db.Tables.GROUPS;
import static io.octofleet.server.db.Tables.GROUP_MEMBERS;
import static io.octofleet.server.db.Tables.NODES;

/** The groups and group_members tables. Methods taking a {@link DSLContext} run inside the caller's transaction. */
@Singleton
final class GroupRepository {
    /** Rows per insert: keeps one statement's bind parameters far below PostgreSQL's 32767. */
    private static final int BATCH = 1000;

    private final DSLContext dsl;
    private final Organizations organizations;

    GroupRepository(DSLContext dsl, Organizations organizations) {
        this.dsl = dsl;
        this.organizations = organizations;
    }

    void insert(DSLContext tx, UUID id, OrganizationId organization, GroupDefinition definition) {
        tx.insertInto(GROUPS)
                .set(GROUPS.ID, id)
                .set(GROUPS.ORGANIZATION_ID, organization.value())
                .set(GROUPS.NAME, definition.name())
                .set(GROUPS.KIND, definition.kind().apiName())
                .set(GROUPS.RULE, definition.rule() == null ? null : definition.rule().text())
                .execute();
    }

    /** False when there is no such group. */
    boolean update(DSLContext tx, UUID id, GroupDefinition definition) {
        return tx.update(GROUPS)
                .set(GROUPS.NAME, definition.name())
                .set(GROUPS.KIND, definition.kind().apiName())
                .set(GROUPS.RULE, definition.rule() == null ? null : definition.rule().text())
                .where(GROUPS.ID.eq(id))
                .execute() == 1;
    }

    void replaceMembers(DSLContext tx, UUID id, List<NodeId> members) {
        tx.deleteFrom(GROUP_MEMBERS).where(GROUP_MEMBERS.GROUP_ID.eq(id)).execute();
        for (int from = 0; from < members.size(); from += BATCH) {
            var insert = tx.insertInto(GROUP_MEMBERS, GROUP_MEMBERS.GROUP_ID, GROUP_MEMBERS.NODE_ID);
            for (NodeId node : members.subList(from, Math.min(members.size(), from + BATCH))) {
                insert = insert.values(id, node.value());
            }
            insert.execute();
        }
    }

    /** False when there was no such group in {@code scope}; its memberships cascade. */
    boolean delete(UUID id, Condition scope) {
        return dsl.deleteFrom(GROUPS).where(GROUPS.ID.eq(id)).and(scope).execute() == 1;
    }

    Optional<Group> find(UUID id, Condition scope) {
        return find(dsl, id, scope);
    }

    Optional<Group> find(DSLContext ctx, UUID id, Condition scope) {
        return ctx.selectFrom(GROUPS).where(GROUPS.ID.eq(id)).and(scope).fetchOptional()
                .map(r -> group(r, members(ctx, List.of(id)).getOrDefault(id, List.of())));
    }

    /** The groups in {@code scope} by name, static ones with their members (two queries, whatever their number). */
    List<Group> list(Condition scope) {
        List<GroupsRecord> groups = dsl.selectFrom(GROUPS).where(scope)
                .orderBy(DSL.lower(GROUPS.NAME), GROUPS.ID).fetch();
        Map<UUID, List<NodeId>> members = members(dsl, groups.stream().map(GroupsRecord::getId).toList());
        return groups.stream().map(r -> group(r, members.getOrDefault(r.getId(), List.of()))).toList();
    }

    /** A condition on {@code nodes}: the node is a member of static group {@code id}. */
    static Condition memberOf(UUID id) {
        return DSL.exists(DSL.selectOne().from(GROUP_MEMBERS)
                .where(GROUP_MEMBERS.GROUP_ID.eq(id).and(GROUP_MEMBERS.NODE_ID.eq(NODES.ID))));
    }

    private static Map<UUID, List<NodeId>> members(DSLContext ctx, List<UUID> groups) {
        if (groups.isEmpty()) {
            return Map.of();
        }
        return ctx.select(GROUP_MEMBERS.GROUP_ID, GROUP_MEMBERS.NODE_ID).from(GROUP_MEMBERS)
                .where(GROUP_MEMBERS.GROUP_ID.eq(DSL.any(groups.toArray(UUID[]::new))))
                .orderBy(GROUP_MEMBERS.NODE_ID)
                .fetch()
                .stream()
                .collect(Collectors.groupingBy(r -> r.value1(), Collectors.mapping(r -> new NodeId(r.value2()),
                        Collectors.toList())));
    }

    private Group group(GroupsRecord r, List<NodeId> members) {
        GroupKind kind = GroupKind.fromApiName(r.getKind()).orElseThrow(() ->
                new IllegalStateException("group " + r.getId() + " has unknown kind " + r.getKind()));
        return new Group(r.getId(), organizations.name(r.getOrganizationId()), r.getName(), kind, r.getRule(),
                kind == GroupKind.STATIC ? members : null, r.getCreatedAt().toInstant(),
                new OrganizationId(r.getOrganizationId()));
    }
}
