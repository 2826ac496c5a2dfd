package io.octofleet.server.targeting;

import io.octofleet.server.groups.GroupService;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.rules.Rule;
import io.octofleet.server.rules.RuleException;
import io.octofleet.server.organizations.OrganizationId;
import jakarta.inject.Singleton;
import org.jooq.Condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

import static io.octofleet.server.db.Tables.NODES;

/**
 * Turns {@link Targets} into the nodes they mean right now. Dynamic groups and the query are evaluated against the
 * current typed inventory in the same single query, so the answer reflects the fleet at the moment of the call;
 * whoever needs a stable set (a job) records the result.
 */
@Singleton
public class TargetingService {
    private final NodeService nodes;
    private final GroupService groups;

    TargetingService(NodeService nodes, GroupService groups) {
        this.nodes = nodes;
        this.groups = groups;
    }

    /**
     * The union of: the given node ids, the members of each group, the nodes carrying any of the tags (compared in
     * lower case, as tags are stored), and the nodes the query selects — all within {@code organization}. Each node
     * once; empty when {@code targets} is empty.
     *
     * @throws RuleException when the query is not a valid rule (with the position of the problem)
     * @throws ApiException  not-found when a group or a named node does not exist in the organization
     */
    public Set<NodeId> resolve(Targets targets, OrganizationId organization) {
        Condition inOrganization = NODES.ORGANIZATION_ID.eq(organization.value());
        List<Condition> scopes = new ArrayList<>();
        for (UUID group : targets.groupIds()) {
            scopes.add(groups.membership(group, organization));
        }
        if (targets.query() != null) {
            scopes.add(Rule.parse(targets.query()).condition());
        }
        Set<NodeId> named = nodes.existing(targets.nodeIds(), inOrganization);
        for (NodeId id : targets.nodeIds()) {
            if (!named.contains(id)) {
                throw ApiException.notFound("node " + id); // another organization's node does not exist here
            }
        }
        List<String> tags = targets.tags().stream().map(t -> t.toLowerCase(Locale.ROOT)).toList();
        return nodes.anyOf(targets.nodeIds(), tags, scopes, inOrganization);
    }
}
