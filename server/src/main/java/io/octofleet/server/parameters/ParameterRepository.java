package io.octofleet.server.parameters;

import io.octofleet.server.organizations.OrganizationId;
import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.db.tables.records.ParametersRecord;
import io.octofleet.server.nodes.NodeId;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static io.octofleet.server.db.Tables.GROUPS;
import static io.octofleet.server.db.Tables.GROUP_MEMBERS;
import static io.octofleet.server.db.Tables.NODES;
import static io.octofleet.server.db.Tables.PARAMETERS;

/** The parameters table, and the reads of groups and group_members that inheritance needs. */
@Singleton
final class ParameterRepository {
    private final DSLContext dsl;

    ParameterRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    Optional<StoredParameter> find(ParameterOwner owner, String key) {
        return dsl.selectFrom(PARAMETERS).where(ownedBy(owner).and(PARAMETERS.KEY.eq(key))).fetchOptional()
                .map(ParameterRepository::stored);
    }

    List<StoredParameter> list(ParameterOwner owner) {
        return dsl.selectFrom(PARAMETERS).where(ownedBy(owner)).orderBy(PARAMETERS.KEY).fetch()
                .map(ParameterRepository::stored);
    }

    /**
     * Inserts or replaces the owner's parameter in one statement, so two writers of one new key cannot collide.
     *
     * @throws org.jooq.exception.DataAccessException with SQL state 23503 when the group or node does not exist
     */
    StoredParameter upsert(ParameterOwner owner, String key, @Nullable String value,
                           @Nullable SecretCipher.Sealed sealed) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        boolean secret = sealed != null;
        return dsl.insertInto(PARAMETERS)
                .set(PARAMETERS.ORGANIZATION_ID, owner.organization().value())
                .set(PARAMETERS.GROUP_ID, owner.groupId())
                .set(PARAMETERS.NODE_ID, owner.nodeId() == null ? null : owner.nodeId().value())
                .set(PARAMETERS.KEY, key)
                .set(PARAMETERS.SECRET, secret)
                .set(PARAMETERS.VALUE, secret ? null : value)
                .set(PARAMETERS.CIPHERTEXT, secret ? sealed.bytes() : null)
                .set(PARAMETERS.KEY_ID, secret ? sealed.keyId() : null)
                .set(PARAMETERS.UPDATED_AT, now)
                // Arbiter: the NULLS NOT DISTINCT unique constraint, which also covers global rows (both ids null).
                .onConflict(PARAMETERS.ORGANIZATION_ID, PARAMETERS.GROUP_ID, PARAMETERS.NODE_ID, PARAMETERS.KEY)
                .doUpdate()
                .set(PARAMETERS.SECRET, secret)
                .set(PARAMETERS.VALUE, secret ? null : value)
                .set(PARAMETERS.CIPHERTEXT, secret ? sealed.bytes() : null)
                .set(PARAMETERS.KEY_ID, secret ? sealed.keyId() : null)
                .set(PARAMETERS.UPDATED_AT, now)
                .returning()
                .fetchOne(ParameterRepository::stored);
    }

    /** False when the owner had no such parameter. */
    boolean delete(ParameterOwner owner, String key) {
        return dsl.deleteFrom(PARAMETERS).where(ownedBy(owner).and(PARAMETERS.KEY.eq(key))).execute() == 1;
    }

    /** The rules of the dynamic groups that set at least one parameter: the only rules inheritance must evaluate. */
    Map<UUID, String> dynamicGroupsWithParameters() {
        return dsl.select(GROUPS.ID, GROUPS.RULE).from(GROUPS)
                .where(GROUPS.KIND.eq("dynamic"))
                .and(DSL.exists(DSL.selectOne().from(PARAMETERS).where(PARAMETERS.GROUP_ID.eq(GROUPS.ID))))
                .fetchMap(GROUPS.ID, GROUPS.RULE);
    }

    /**
     * Every parameter that applies to {@code node}, in precedence order: the node's own, then those of its groups by
     * group name (case-insensitive, then id), then the global ones. Static membership is read from group_members;
     * {@code dynamicMembership} holds, per dynamic group that sets parameters, its rule compiled to a condition on
     * {@code nodes}.
     */
    List<StoredParameter> applicableTo(NodeId node, Map<UUID, Condition> dynamicMembership) {
        List<Condition> member = new ArrayList<>();
        member.add(GROUPS.KIND.eq("static").and(DSL.exists(DSL.selectOne().from(GROUP_MEMBERS).where(
                GROUP_MEMBERS.GROUP_ID.eq(PARAMETERS.GROUP_ID).and(GROUP_MEMBERS.NODE_ID.eq(node.value()))))));
        dynamicMembership.forEach((group, rule) -> member.add(PARAMETERS.GROUP_ID.eq(group).and(
                DSL.exists(DSL.selectOne().from(NODES).where(NODES.ID.eq(node.value()).and(rule))))));
        Field<Integer> level = DSL.when(PARAMETERS.NODE_ID.isNotNull(), 0)
                .when(PARAMETERS.GROUP_ID.isNotNull(), 1).otherwise(2);
        return dsl.select(PARAMETERS.fields()).from(PARAMETERS)
                .leftJoin(GROUPS).on(GROUPS.ID.eq(PARAMETERS.GROUP_ID))
                // only rows of the node's own organization apply: a rule of another tenant's group never reaches it
                .where(PARAMETERS.ORGANIZATION_ID.eq(DSL.field(DSL.select(NODES.ORGANIZATION_ID).from(NODES)
                        .where(NODES.ID.eq(node.value())))))
                .and(PARAMETERS.NODE_ID.eq(node.value())
                        .or(PARAMETERS.GROUP_ID.isNull().and(PARAMETERS.NODE_ID.isNull()))
                        .or(PARAMETERS.GROUP_ID.isNotNull().and(DSL.or(member))))
                .orderBy(level, DSL.lower(GROUPS.NAME), GROUPS.ID, PARAMETERS.KEY)
                .fetch(r -> stored(r.into(PARAMETERS)));
    }

    /**
     * Like {@link #applicableTo} for every node at once, in one query: each row is a node and a parameter that
     * applies to it, ordered by node, then in precedence order. Rows of a node that no parameter applies to are
     * absent.
     */
    List<Map.Entry<NodeId, StoredParameter>> applicableToEveryNode(Condition nodes,
                                                                  Map<UUID, Condition> dynamicMembership) {
        return applicableToNodes(nodes, dynamicMembership);
    }

    /** Like {@link #applicableToEveryNode} for the given nodes only. */
    List<Map.Entry<NodeId, StoredParameter>> applicableToNodes(java.util.Collection<NodeId> nodes,
                                                               Map<UUID, Condition> dynamicMembership) {
        return applicableToNodes(NODES.ID.in(nodes.stream().map(NodeId::value).toList()), dynamicMembership);
    }

    private List<Map.Entry<NodeId, StoredParameter>> applicableToNodes(Condition nodeScope,
                                                                       Map<UUID, Condition> dynamicMembership) {
        List<Condition> member = new ArrayList<>();
        member.add(GROUPS.KIND.eq("static").and(DSL.exists(DSL.selectOne().from(GROUP_MEMBERS).where(
                GROUP_MEMBERS.GROUP_ID.eq(PARAMETERS.GROUP_ID).and(GROUP_MEMBERS.NODE_ID.eq(NODES.ID))))));
        // A compiled rule is a condition on NODES, so here it is correlated with the node of the row.
        dynamicMembership.forEach((group, rule) -> member.add(PARAMETERS.GROUP_ID.eq(group).and(rule)));
        Field<Integer> level = DSL.when(PARAMETERS.NODE_ID.isNotNull(), 0)
                .when(PARAMETERS.GROUP_ID.isNotNull(), 1).otherwise(2);
        List<Field<?>> fields = new ArrayList<>(List.of(PARAMETERS.fields()));
        fields.add(NODES.ID.as("for_node"));
        return dsl.select(fields).from(NODES).crossJoin(PARAMETERS)
                .leftJoin(GROUPS).on(GROUPS.ID.eq(PARAMETERS.GROUP_ID))
                .where(nodeScope)
                .and(PARAMETERS.ORGANIZATION_ID.eq(NODES.ORGANIZATION_ID))
                .and(PARAMETERS.NODE_ID.eq(NODES.ID)
                        .or(PARAMETERS.GROUP_ID.isNull().and(PARAMETERS.NODE_ID.isNull()))
                        .or(PARAMETERS.GROUP_ID.isNotNull().and(DSL.or(member))))
                .orderBy(NODES.ID, level, DSL.lower(GROUPS.NAME), GROUPS.ID, PARAMETERS.KEY)
                .fetch(r -> Map.entry(new NodeId(r.get("for_node", UUID.class)), stored(r.into(PARAMETERS))));
    }

    private static Condition ownedBy(ParameterOwner owner) {
        Condition group = owner.groupId() == null ? PARAMETERS.GROUP_ID.isNull() : PARAMETERS.GROUP_ID.eq(owner.groupId());
        Condition node = owner.nodeId() == null ? PARAMETERS.NODE_ID.isNull()
                : PARAMETERS.NODE_ID.eq(owner.nodeId().value());
        return group.and(node).and(PARAMETERS.ORGANIZATION_ID.eq(owner.organization().value()));
    }

    private static StoredParameter stored(Record row) {
        ParametersRecord r = row.into(PARAMETERS);
        ParameterOwner owner = new ParameterOwner(new OrganizationId(r.getOrganizationId()), r.getGroupId(),
                r.getNodeId() == null ? null : new NodeId(r.getNodeId()));
        SecretCipher.Sealed sealed = r.getSecret() ? new SecretCipher.Sealed(r.getKeyId(), r.getCiphertext()) : null;
        return new StoredParameter(owner, r.getKey(), r.getSecret(), r.getValue(), sealed,
                r.getUpdatedAt().toInstant());
    }
}
