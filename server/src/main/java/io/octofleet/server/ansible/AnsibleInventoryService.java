package io.octofleet.server.ansible;

import io.octofleet.server.auth.Operator;
import io.octofleet.server.groups.Group;
import io.octofleet.server.groups.GroupKind;
import io.octofleet.server.groups.GroupService;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.parameters.EffectiveParameter;
import io.octofleet.server.parameters.ParameterService;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.rules.Rule;
import jakarta.inject.Singleton;
import org.jooq.Condition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import static io.octofleet.server.db.Tables.NODES;

/**
 * The fleet as an Ansible dynamic inventory (docs/ansible.md): one host per node, Octofleet groups (dynamic ones
 * evaluated now) and tag groups, and hostvars from the nodes' inherited parameters without any secret. Secrets reach
 * Ansible only through the job engine, which hands them to a run as extra vars.
 *
 * <p>A fixed number of queries whatever the size of the fleet: nodes, NICs, groups with static members, one
 * {@code UNION ALL} for the dynamic groups, and two for the parameters of every node.
 */
@Singleton
public class AnsibleInventoryService {
    private final AnsibleInventoryRepository repository;
    private final GroupService groups;
    private final ParameterService parameters;

    AnsibleInventoryService(AnsibleInventoryRepository repository, GroupService groups, ParameterService parameters) {
        this.repository = repository;
        this.groups = groups;
        this.parameters = parameters;
    }

    /**
     * The {@code --list} form: {@code _meta.hostvars}, {@code all.children}, every group and {@code ungrouped}, for
     * the nodes {@code nodes} selects (a condition on {@code nodes}: the caller's scope) and the groups of the
     * organizations wholly in {@code groupScope}.
     */
    public Map<String, Object> list(Condition nodes, Operator.Scope groupScope) {
        return inventory(nodes, groupScope).asList();
    }

    /**
     * The {@code --host} form: the vars of the host with this inventory name.
     *
     * @throws ApiException not-found when no host has that name
     */
    public Map<String, Object> host(String name, Condition nodes, Operator.Scope groupScope) {
        Map<String, Object> vars = inventory(nodes, groupScope).hostvars().get(name);
        if (vars == null) {
            throw ApiException.notFound("host '" + name + "' in the Ansible inventory");
        }
        return vars;
    }

    private record Inventory(Map<String, Map<String, Object>> hostvars, Map<String, Set<String>> groups,
                             Set<String> ungrouped) {
        Map<String, Object> asList() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("_meta", Map.of("hostvars", hostvars));
            List<String> children = new ArrayList<>(groups.keySet());
            children.add("ungrouped");
            out.put("all", Map.of("children", children));
            groups.forEach((name, hosts) -> out.put(name, Map.of("hosts", List.copyOf(hosts))));
            out.put("ungrouped", Map.of("hosts", List.copyOf(ungrouped)));
            return out;
        }
    }

    private Inventory inventory(Condition nodes, Operator.Scope groupScope) {
        List<AnsibleHost> hosts = repository.hosts(nodes);
        Map<NodeId, AnsibleHost> byId = new LinkedHashMap<>();
        Map<NodeId, String> hostnames = new LinkedHashMap<>();
        for (AnsibleHost host : hosts) {
            byId.put(host.id(), host);
            hostnames.put(host.id(), host.hostname());
        }
        Map<NodeId, String> names = AnsibleNames.hostNames(hostnames, NodeId::toString);
        Map<NodeId, Map<String, EffectiveParameter>> effective = parameters.effectiveWithoutSecrets(nodes);

        Map<String, Map<String, Object>> hostvars = new TreeMap<>();
        byId.forEach((id, host) -> hostvars.put(names.get(id),
                hostvars(host, names.get(id), effective.getOrDefault(id, Map.of()))));

        Map<String, Set<String>> groupHosts = new TreeMap<>();
        Set<String> grouped = new TreeSet<>();
        List<Group> all = groups.list(groupScope);
        Map<UUID, String> groupNames = new LinkedHashMap<>();
        Map<UUID, Condition> dynamic = new LinkedHashMap<>();
        for (Group group : all) {
            groupNames.put(group.id(), group.name());
            if (group.kind() == GroupKind.DYNAMIC) {
                // As GroupService evaluates it: a stored rule was valid when it was saved and parses again.
                dynamic.put(group.id(), Rule.parse(group.rule()).condition()
                        .and(NODES.ORGANIZATION_ID.eq(group.organizationId().value())));
            }
        }
        Map<UUID, Set<NodeId>> dynamicMembers = repository.members(dynamic);
        Map<UUID, String> ansibleGroupNames = AnsibleNames.groupNames(groupNames);
        for (Group group : all) {
            Iterable<NodeId> members = group.kind() == GroupKind.STATIC ? group.nodeIds()
                    : dynamicMembers.getOrDefault(group.id(), Set.of());
            Set<String> inGroup = groupHosts.computeIfAbsent(ansibleGroupNames.get(group.id()), g -> new TreeSet<>());
            for (NodeId member : members) {
                String name = names.get(member);
                if (name != null) { // a node enrolled after the host list was read is in the next inventory
                    inGroup.add(name);
                    grouped.add(name);
                }
            }
        }
        byId.forEach((id, host) -> host.tags().forEach(tag -> {
            groupHosts.computeIfAbsent(AnsibleNames.tagGroup(tag), g -> new TreeSet<>()).add(names.get(id));
            grouped.add(names.get(id));
        }));
        Set<String> ungrouped = new TreeSet<>(hostvars.keySet());
        ungrouped.removeAll(grouped);
        return new Inventory(hostvars, groupHosts, ungrouped);
    }

    /**
     * The node's non-secret inherited parameters, then the connection default, then Octofleet's facts. A parameter
     * may set {@code ansible_host} (or {@code ansible_user} …) itself; the {@code octofleet_*} facts cannot be
     * overridden, so playbooks can rely on them.
     */
    private static Map<String, Object> hostvars(AnsibleHost host, String inventoryName,
                                                Map<String, EffectiveParameter> effective) {
        Map<String, Object> vars = new TreeMap<>();
        effective.forEach((key, parameter) -> {
            if (!parameter.secret()) {
                vars.put(key, parameter.value());
            }
        });
        if (host.ipv4() != null) {
            vars.putIfAbsent("ansible_host", host.ipv4());
        } else if (!inventoryName.equals(host.hostname())) {
            // A disambiguated name does not resolve; the real hostname does.
            vars.putIfAbsent("ansible_host", host.hostname());
        }
        vars.put("octofleet_node_id", host.id().toString());
        vars.put("octofleet_hostname", host.hostname());
        vars.put("octofleet_status", host.online() ? "online" : "offline");
        if (host.osFamily() != null) {
            vars.put("octofleet_os_family", host.osFamily());
        }
        vars.put("octofleet_tags", host.tags());
        return vars;
    }
}
