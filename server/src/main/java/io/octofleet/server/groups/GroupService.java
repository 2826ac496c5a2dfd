package io.octofleet.server.groups;

import io.micronaut.http.HttpStatus;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.nodes.Node;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeQuery;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.rules.Rule;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static io.octofleet.server.db.Tables.GROUPS;
import static io.octofleet.server.db.Tables.NODES;

/**
 * Static and dynamic groups of nodes. A dynamic group stores only its rule, which is evaluated against the current
 * typed inventory every time its members are asked for, so it follows inventory changes without being told.
 */
@Singleton
public class GroupService {
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String FOREIGN_KEY_VIOLATION = "23503";

    private final DSLContext dsl;
    private final GroupRepository repository;
    private final NodeService nodes;

    GroupService(DSLContext dsl, GroupRepository repository, NodeService nodes) {
        this.dsl = dsl;
        this.repository = repository;
        this.nodes = nodes;
    }

    /**
     * Creates a group in {@code organization}; static members must be nodes of that organization.
     *
     * @throws ApiException invalid-request naming an unknown member, conflict when the name is taken there
     */
    Group create(OrganizationId organization, GroupDefinition definition) {
        UUID id = UUID.randomUUID();
        requireExisting(organization, definition.nodeIds());
        return write(definition, tx -> {
            repository.insert(tx, id, organization, definition);
            repository.replaceMembers(tx, id, definition.nodeIds());
            return id;
        });
    }

    /** @throws ApiException not-found (also outside {@code scope}), invalid-request, conflict */
    Group replace(UUID id, Operator.Scope scope, GroupDefinition definition) {
        Group existing = find(id, scope);
        requireExisting(existing.organizationId(), definition.nodeIds());
        return write(definition, tx -> {
            if (!repository.update(tx, id, definition)) {
                throw ApiException.notFound("group " + id);
            }
            repository.replaceMembers(tx, id, definition.nodeIds());
            return id;
        });
    }

    /** @throws ApiException not-found (also outside {@code scope}); returns the organization it belonged to */
    OrganizationId delete(UUID id, Operator.Scope scope) {
        Group existing = find(id, scope);
        if (!repository.delete(id, in(scope))) {
            throw ApiException.notFound("group " + id);
        }
        return existing.organizationId();
    }

    /** The group if it belongs to an organization wholly in {@code scope}. @throws ApiException not-found */
    public Group find(UUID id, Operator.Scope scope) {
        return repository.find(id, in(scope)).orElseThrow(() -> ApiException.notFound("group " + id));
    }

    /** The groups of the organizations wholly in {@code scope}. */
    public List<Group> list(Operator.Scope scope) {
        return repository.list(in(scope));
    }

    /** A page of the group's current members, filtered and sorted like the fleet list, as far as visible. */
    Page<Node> nodes(UUID id, Operator.Scope groupScope, Condition visibleNodes, NodeQuery query) {
        return nodes.list(query, membership(find(id, groupScope)).and(visibleNodes));
    }

    /**
     * A condition on the {@code nodes} table that holds for the members of group {@code id} of {@code organization}
     * as of the query that uses it.
     *
     * @throws ApiException not-found when the organization has no such group
     */
    public Condition membership(UUID id, OrganizationId organization) {
        return membership(repository.find(id, GROUPS.ORGANIZATION_ID.eq(organization.value()))
                .orElseThrow(() -> ApiException.notFound("group " + id)));
    }

    /**
     * The nodes a scope reaches, as a condition on {@code nodes}: those of its whole organizations, and the members of
     * the groups it is narrowed to.
     */
    public Condition nodesIn(Operator.Scope scope) {
        Condition condition = scope.wholeOrganizations(NODES.ORGANIZATION_ID);
        for (var entry : scope.groups().entrySet()) {
            for (UUID group : entry.getValue()) {
                Optional<Group> found = repository.find(group, GROUPS.ORGANIZATION_ID.eq(entry.getKey().value()));
                if (found.isPresent()) {
                    condition = condition.or(membership(found.get()));
                }
            }
        }
        return condition;
    }

    private static Condition in(Operator.Scope scope) {
        return scope.wholeOrganizations(GROUPS.ORGANIZATION_ID);
    }

    static Condition membership(Group group) {
        // A stored rule was valid when it was saved; the language only grows, so it parses again. Either kind only
        // ever holds nodes of the group's own organization.
        Condition members = group.kind() == GroupKind.STATIC ? GroupRepository.memberOf(group.id())
                : Rule.parse(group.rule()).condition();
        return NODES.ORGANIZATION_ID.eq(group.organizationId().value()).and(members);
    }

    private void requireExisting(OrganizationId organization, List<NodeId> members) {
        if (members.isEmpty()) {
            return;
        }
        Set<NodeId> existing = nodes.existing(members, NODES.ORGANIZATION_ID.eq(organization.value()));
        Set<NodeId> unknown = new LinkedHashSet<>(members);
        unknown.removeAll(existing);
        if (!unknown.isEmpty()) {
            throw ApiException.invalid("nodeIds: no node " + unknown.iterator().next()
                    + (unknown.size() > 1 ? " (and " + (unknown.size() - 1) + " more unknown)" : "")
                    + " in the group's organization");
        }
    }

    private interface Write {
        UUID apply(DSLContext tx);
    }

    /** Runs {@code write} in a transaction and reads the group back; a taken name is a 409 conflict, not a 500. */
    private Group write(GroupDefinition definition, Write write) {
        try {
            return dsl.transactionResult(c -> {
                DSLContext tx = c.dsl();
                return repository.find(tx, write.apply(tx), org.jooq.impl.DSL.noCondition()).orElseThrow();
            });
        } catch (DataAccessException e) {
            // The constraints decide, not an earlier read, so two requests racing for one name cannot both win.
            if (UNIQUE_VIOLATION.equals(e.sqlState())) {
                throw new ApiException(HttpStatus.CONFLICT, "conflict", "a group named '" + definition.name()
                        + "' already exists");
            }
            if (FOREIGN_KEY_VIOLATION.equals(e.sqlState())) {
                throw ApiException.invalid("nodeIds: a node was deleted while the group was being saved");
            }
            throw e;
        }
    }
}
