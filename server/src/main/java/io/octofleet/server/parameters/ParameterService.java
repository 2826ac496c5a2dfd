package io.octofleet.server.parameters;

import io.octofleet.server.groups.GroupService;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.rules.Rule;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.exception.DataAccessException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Parameters on the whole fleet, on groups and on nodes, and the view a node inherits: its own value wins over its
 * groups', a group's over the global one. When several of a node's groups set a key, the group whose name sorts
 * first (case-insensitive, then by id) wins. Secret values are sealed before they are stored and are opened only by
 * {@link #effectiveFor(NodeId)}, for the jobs that need them; nothing the API returns carries them.
 */
@Singleton
public class ParameterService {
    private static final String FOREIGN_KEY_VIOLATION = "23503";

    private final ParameterRepository repository;
    private final SecretCipher cipher;
    private final GroupService groups;
    private final NodeService nodes;

    ParameterService(ParameterRepository repository, SecretCipher cipher, GroupService groups, NodeService nodes) {
        this.repository = repository;
        this.cipher = cipher;
        this.groups = groups;
        this.nodes = nodes;
    }

    /** Sets (creates or replaces) a parameter. @throws ApiException not-found when the group or node does not exist */
    Parameter put(ParameterOwner owner, ParameterDefinition definition) {
        SecretCipher.Sealed sealed = definition.secret()
                ? cipher.seal(definition.value(), owner.sealingContext(definition.key())) : null;
        try {
            return repository.upsert(owner, definition.key(), definition.value(), sealed).shown();
        } catch (DataAccessException e) {
            // The foreign keys decide, so a node deleted at the same moment is a 404 too, not a 500.
            if (FOREIGN_KEY_VIOLATION.equals(e.sqlState())) {
                throw ApiException.notFound(owner.describe());
            }
            throw e;
        }
    }

    // The owners passed in exist and are the caller's to see: the controller resolved them within the caller's scope.

    /** @throws ApiException not-found for a key the owner does not set */
    Parameter find(ParameterOwner owner, String key) {
        return repository.find(owner, key).map(StoredParameter::shown).orElseThrow(() ->
                ApiException.notFound("parameter " + key + " of " + owner.describe()));
    }

    /** The owner's own parameters by key. */
    List<Parameter> list(ParameterOwner owner) {
        return repository.list(owner).stream().map(StoredParameter::shown).toList();
    }

    /** @throws ApiException not-found for a key the owner does not set */
    void delete(ParameterOwner owner, String key) {
        if (!repository.delete(owner, key)) {
            throw ApiException.notFound("parameter " + key + " of " + owner.describe());
        }
    }

    /** The node's inherited view as the API shows it: secrets without their value. */
    List<EffectiveParameter> effective(NodeId node) {
        return resolve(node, false).entrySet().stream()
                .map(e -> new EffectiveParameter(e.getKey(), e.getValue().secret() ? null : e.getValue().value(),
                        e.getValue().secret(), e.getValue().source()))
                .toList();
    }

    /**
     * Every parameter that applies to the node, by key, with its winning value in plaintext (secrets decrypted), for
     * the job engine. Empty for an unknown node. Two queries, whatever the number of groups: the rules of the dynamic
     * groups that set parameters, then the applicable rows with group membership evaluated in the database.
     *
     * @throws IllegalStateException when a secret cannot be decrypted (another key is configured, or it was altered)
     */
    public Map<String, ResolvedParameter> effectiveFor(NodeId node) {
        return resolve(node, true);
    }

    /**
     * {@link #effectiveFor(NodeId)} for many nodes in two queries (the job engine sends a run to thousands of nodes
     * at once). Nodes without parameters map to an empty map.
     */
    public Map<NodeId, Map<String, ResolvedParameter>> effectiveFor(java.util.Collection<NodeId> nodes) {
        Map<NodeId, Map<String, ResolvedParameter>> all = new LinkedHashMap<>();
        nodes.forEach(n -> all.put(n, new TreeMap<>()));
        if (nodes.isEmpty()) {
            return all;
        }
        for (Map.Entry<NodeId, StoredParameter> row : repository.applicableToNodes(nodes, dynamicMemberships())) {
            StoredParameter p = row.getValue();
            Map<String, ResolvedParameter> winners = all.get(row.getKey());
            if (winners != null && !winners.containsKey(p.key())) {
                // rows come in precedence order per node: the first one of a key wins
                String value = p.secret() ? cipher.open(p.sealed(), p.owner().sealingContext(p.key())) : p.value();
                winners.put(p.key(), new ResolvedParameter(value, p.secret(), p.owner().source()));
            }
        }
        return all;
    }

    /**
     * The inherited view of the nodes {@code nodes} (a condition on {@code nodes}) selects, as the API may show it: a secret keeps its key, its source and
     * {@code secret = true}, but its value is null and is never decrypted. Nodes without parameters are absent. Two
     * queries whatever the size of the fleet: the rules of the dynamic groups that set parameters, then every
     * applicable (node, parameter) pair, membership evaluated by PostgreSQL. For exports such as the Ansible
     * inventory, which must not carry secrets.
     */
    public Map<NodeId, Map<String, EffectiveParameter>> effectiveWithoutSecrets(Condition nodes) {
        Map<NodeId, Map<String, EffectiveParameter>> all = new LinkedHashMap<>();
        for (Map.Entry<NodeId, StoredParameter> row : repository.applicableToEveryNode(nodes, dynamicMemberships())) {
            StoredParameter p = row.getValue();
            // Rows come in precedence order per node: the first one of a key wins, a secret included, so a secret
            // set on the node hides a plain group value of the same key instead of letting it through.
            all.computeIfAbsent(row.getKey(), n -> new TreeMap<>()).putIfAbsent(p.key(),
                    new EffectiveParameter(p.key(), p.secret() ? null : p.value(), p.secret(), p.owner().source()));
        }
        return all;
    }

    private Map<UUID, Condition> dynamicMemberships() {
        Map<UUID, Condition> dynamic = new LinkedHashMap<>();
        // The same compilation GroupService.membership uses; a stored rule was valid when saved and parses again.
        repository.dynamicGroupsWithParameters().forEach((group, rule) -> dynamic.put(group, Rule.parse(rule).condition()));
        return dynamic;
    }

    private Map<String, ResolvedParameter> resolve(NodeId node, boolean openSecrets) {
        Map<String, ResolvedParameter> winners = new TreeMap<>();
        for (StoredParameter p : repository.applicableTo(node, dynamicMemberships())) {
            if (winners.containsKey(p.key())) {
                continue; // rows come in precedence order: the first one of a key wins
            }
            String value = !p.secret() ? p.value()
                    : openSecrets ? cipher.open(p.sealed(), p.owner().sealingContext(p.key())) : null;
            winners.put(p.key(), new ResolvedParameter(value, p.secret(), p.owner().source()));
        }
        return winners;
    }
}
