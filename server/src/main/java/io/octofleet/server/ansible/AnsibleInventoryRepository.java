package io.octofleet.server.ansible;

import io.octofleet.server.nodes.NodeId;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.Select;
import org.jooq.impl.DSL;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.octofleet.server.db.Tables.NODES;
import static io.octofleet.server.db.Tables.NODE_NICS;
import static io.octofleet.server.db.Tables.NODE_OS;
import static io.octofleet.server.db.Tables.NODE_TAGS;

/**
 * The reads behind the Ansible inventory, each one query over the whole fleet, so the inventory costs a fixed
 * number of queries however many nodes and groups there are.
 */
@Singleton
final class AnsibleInventoryRepository {
    private static final Field<String[]> TAGS = DSL.field(DSL.select(DSL.arrayAgg(NODE_TAGS.TAG))
            .from(NODE_TAGS).where(NODE_TAGS.NODE_ID.eq(NODES.ID))).as("tags");

    private final DSLContext dsl;

    AnsibleInventoryRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** The nodes {@code scope} (a condition on {@code nodes}) selects, by hostname then id. */
    List<AnsibleHost> hosts(Condition scope) {
        Map<UUID, String> addresses = firstIpv4();
        return dsl.select(NODES.ID, NODES.HOSTNAME, NODES.ONLINE, NODE_OS.FAMILY, TAGS)
                .from(NODES).leftJoin(NODE_OS).on(NODE_OS.NODE_ID.eq(NODES.ID))
                .where(scope)
                .orderBy(NODES.HOSTNAME, NODES.ID)
                .fetch(r -> {
                    String[] tags = r.get(TAGS);
                    return new AnsibleHost(new NodeId(r.get(NODES.ID)), r.get(NODES.HOSTNAME), r.get(NODES.ONLINE),
                            r.get(NODE_OS.FAMILY), tags == null ? List.of() : Arrays.stream(tags).sorted().toList(),
                            addresses.get(r.get(NODES.ID)));
                });
    }

    /**
     * Per node, the first IPv4 address of its NICs in name order that is not loopback: the address Ansible should
     * connect to. Deterministic, though "first" is a guess for multi-homed hosts; a parameter {@code ansible_host}
     * overrides it.
     */
    private Map<UUID, String> firstIpv4() {
        Map<UUID, String> first = new HashMap<>();
        dsl.select(NODE_NICS.NODE_ID, NODE_NICS.IPV4).from(NODE_NICS)
                .orderBy(NODE_NICS.NODE_ID, NODE_NICS.NAME)
                .forEach(r -> {
                    if (first.containsKey(r.value1()) || r.value2() == null) {
                        return;
                    }
                    Arrays.stream(r.value2()).filter(a -> a != null && !a.startsWith("127.")).findFirst()
                            .ifPresent(a -> first.put(r.value1(), a));
                });
        return first;
    }

    /**
     * The members of each group whose membership is a condition on {@code nodes} (dynamic groups), evaluated now in
     * one {@code UNION ALL} query.
     */
    Map<UUID, Set<NodeId>> members(Map<UUID, Condition> memberships) {
        Map<UUID, Set<NodeId>> members = new HashMap<>();
        if (memberships.isEmpty()) {
            return members;
        }
        List<Select<Record2<UUID, UUID>>> selects = new ArrayList<>();
        memberships.forEach((group, condition) -> selects.add(
                DSL.select(DSL.val(group).as("group_id"), NODES.ID).from(NODES).where(condition)));
        Select<Record2<UUID, UUID>> union = selects.get(0);
        for (Select<Record2<UUID, UUID>> next : selects.subList(1, selects.size())) {
            union = union.unionAll(next);
        }
        dsl.fetch(union).forEach(r -> members.computeIfAbsent(r.value1(), g -> new LinkedHashSet<>())
                .add(new NodeId(r.value2())));
        return members;
    }
}
