package io.octofleet.server.groups;

import io.micronaut.http.HttpStatus;
import io.octofleet.server.nodes.Node;
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
import java.util.Set;
import java.util.UUID;

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

    /** @throws ApiException invalid-request naming an unknown member, conflict when the name is taken */
    Group create(GroupDefinition definition) {
        UUID id = UUID.randomUUID();
        requireExisting(definition.nodeIds());
        return write(definition, tx -> {
            repository.insert(tx, id, definition);
            repository.replaceMembers(tx, id, definition.nodeIds());
            return id;
        });
    }

    /** @throws ApiException not-found, invalid-request naming an unknown member, conflict when the name is taken */
    Group replace(UUID id, GroupDefinition definition) {
        requireExisting(definition.nodeIds());
        return write(definition, tx -> {
            if (!repository.update(tx, id, definition)) {
                throw ApiException.notFound("group " + id);
            }
            repository.replaceMembers(tx, id, definition.nodeIds());
            return id;
        });
    }

    /** @throws ApiException not-found */
    void delete(UUID id) {
        if (!repository.delete(id)) {
            throw ApiException.notFound("group " + id);
        }
    }

    /** @throws ApiException not-found */
    public Group find(UUID id) {
        return repository.find(id).orElseThrow(() -> ApiException.notFound("group " + id));
    }

    public List<Group> list() {
        return repository.list();
    }

    /** A page of the group's current members, filtered and sorted like the fleet list. */
    Page<Node> nodes(UUID id, NodeQuery query) {
        return nodes.list(query, membership(find(id)));
    }

    /**
     * A condition on the {@code nodes} table that holds for the group's members as of the query that uses it.
     *
     * @throws ApiException not-found
     */
    public Condition membership(UUID id) {
        return membership(find(id));
    }

    private static Condition membership(Group group) {
        // A stored rule was valid when it was saved; the language only grows, so it parses again.
        return group.kind() == GroupKind.STATIC ? GroupRepository.memberOf(group.id())
                : Rule.parse(group.rule()).condition();
    }

    private void requireExisting(List<NodeId> members) {
        if (members.isEmpty()) {
            return;
        }
        Set<NodeId> existing = nodes.anyOf(members, List.of(), List.of());
        Set<NodeId> unknown = new LinkedHashSet<>(members);
        unknown.removeAll(existing);
        if (!unknown.isEmpty()) {
            throw ApiException.invalid("nodeIds: no node " + unknown.iterator().next()
                    + (unknown.size() > 1 ? " (and " + (unknown.size() - 1) + " more unknown)" : ""));
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
                return repository.find(tx, write.apply(tx)).orElseThrow();
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
