package io.octofleet.server.nodes;

import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The fleet's nodes: creation at enrollment, presence as agent sessions come and go, listing and deletion.
 * Presence is keyed by session id because an agent may reconnect (to this or another replica) before the server
 * notices that its old connection died; only the newest session may change the node's state.
 */
@Singleton
public class NodeService {
    private static final Logger LOG = LoggerFactory.getLogger(NodeService.class);
    static final String DELETED_REASON = "node deleted";

    private final DSLContext dsl;
    private final NodeRepository repository;
    private final ApplicationEventPublisher<NodeDeleted> deletions;

    NodeService(DSLContext dsl, NodeRepository repository, ApplicationEventPublisher<NodeDeleted> deletions) {
        this.dsl = dsl;
        this.repository = repository;
        this.deletions = deletions;
    }

    public void create(NodeId id, OrganizationId organization, String hostname, String agentVersion,
                       @Nullable UUID enrollmentTokenId) {
        create(dsl, id, organization, hostname, agentVersion, enrollmentTokenId);
    }

    /**
     * Inserts the node within the caller's transaction ({@code tx} is {@code configuration.dsl()} inside
     * {@code transaction(...)}), so enrollment can consume its token and create the node atomically.
     *
     * @throws org.jooq.exception.IntegrityConstraintViolationException when the id is taken
     */
    public void create(DSLContext tx, NodeId id, OrganizationId organization, String hostname, String agentVersion,
                       @Nullable UUID enrollmentTokenId) {
        repository.insert(tx, id, organization, hostname, agentVersion, enrollmentTokenId);
    }

    /** Inserts a node a legacy (Python-era) agent reports for, named by the id that agent sends. */
    public void createLegacy(DSLContext tx, NodeId id, OrganizationId organization, String hostname,
                             String agentVersion, String legacyId) {
        repository.insertLegacy(tx, id, organization, hostname, agentVersion, legacyId);
    }

    public boolean exists(NodeId id) {
        return repository.exists(id);
    }

    public Optional<Node> find(NodeId id) {
        return repository.find(id, DSL.noCondition());
    }

    /**
     * The node if {@code visible} (a condition on {@code nodes}, e.g. an operator's scope) selects it.
     *
     * @throws ApiException not-found otherwise: another organization's node does not exist for the caller
     */
    public Node require(NodeId id, Condition visible) {
        return repository.find(id, visible).orElseThrow(() -> ApiException.notFound("node " + id));
    }

    /** The organization of an existing node. */
    public Optional<OrganizationId> organizationOf(NodeId id) {
        return repository.organizationOf(id);
    }

    public Page<Node> list(NodeQuery query) {
        return repository.list(query, DSL.noCondition());
    }

    /**
     * Like {@link #list(NodeQuery)} within {@code scope}, a condition on the {@code nodes} table such as a group's
     * membership or a compiled targeting rule.
     */
    public Page<Node> list(NodeQuery query, Condition scope) {
        return repository.list(query, scope);
    }

    /**
     * The existing nodes that are among {@code ids}, or carry one of {@code tags}, or satisfy one of {@code scopes}
     * (conditions on the {@code nodes} table): the union, each node once. Empty when every argument is empty.
     */
    public Set<NodeId> anyOf(Collection<NodeId> ids, Collection<String> tags, Collection<Condition> scopes) {
        return anyOf(ids, tags, scopes, DSL.noCondition());
    }

    /** {@link #anyOf(Collection, Collection, Collection)} among the nodes {@code within} selects. */
    public Set<NodeId> anyOf(Collection<NodeId> ids, Collection<String> tags, Collection<Condition> scopes,
                             Condition within) {
        List<Condition> any = new ArrayList<>(scopes);
        if (!ids.isEmpty()) {
            any.add(NodeRepository.withIds(ids));
        }
        if (!tags.isEmpty()) {
            any.add(NodeRepository.taggedWithAny(tags));
        }
        if (any.isEmpty()) {
            return Set.of();
        }
        return new LinkedHashSet<>(repository.ids(DSL.or(any).and(within)));
    }

    /** Those of {@code ids} that exist and satisfy {@code within} (a condition on {@code nodes}). */
    public Set<NodeId> existing(Collection<NodeId> ids, Condition within) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        return new LinkedHashSet<>(repository.ids(NodeRepository.withIds(ids).and(within)));
    }

    /**
     * Makes {@code tags} the node's tags (sorted, duplicates dropped) and returns them.
     *
     * @throws ApiException invalid-request for a malformed tag or more than {@value NodeTags#MAX_TAGS} (nothing is
     *                      changed), not-found when there is no such node
     */
    public List<String> replaceTags(NodeId id, List<String> tags) {
        List<String> normalized = NodeTags.normalized(tags);
        dsl.transaction(c -> {
            DSLContext tx = c.dsl();
            if (!repository.lock(tx, id)) {
                throw ApiException.notFound("node " + id);
            }
            repository.replaceTags(tx, id, normalized);
        });
        return normalized;
    }

    /** The agent opened session {@code sessionId}; it replaces any earlier session of the node. */
    public void sessionOpened(NodeId id, UUID sessionId, String hostname, String agentVersion) {
        repository.sessionOpened(id, sessionId, hostname, agentVersion);
    }

    /**
     * Heartbeats of many nodes in one statement ({@code sessions}: each node's session): a node whose current session
     * is that one is marked online and seen now (a heartbeat after the stale sweep gave up on it brings it back).
     * Returns the nodes whose heartbeat counted; the others lost their node to a newer session or to deletion.
     */
    public Set<NodeId> heartbeats(Map<NodeId, UUID> sessions) {
        List<NodeId> ids = new ArrayList<>(sessions.keySet());
        return repository.heartbeats(ids, ids.stream().map(sessions::get).toList());
    }

    /** Marks the node offline unless a newer session has taken over meanwhile. */
    public void sessionClosed(NodeId id, UUID sessionId) {
        repository.sessionClosed(id, sessionId);
    }

    /**
     * Marks offline the online nodes not heard from for two heartbeat intervals: their connection died without the
     * server seeing it close (or the replica holding it died). Returns how many.
     */
    public int markStale(Duration heartbeatInterval) {
        return repository.markOfflineNotSeenFor(heartbeatInterval.multipliedBy(2));
    }

    /**
     * Revokes the node's certificates and deletes it with its inventory, then publishes {@link NodeDeleted}.
     *
     * @throws ApiException not-found when there is no such node (nothing is changed)
     */
    public void delete(NodeId id) {
        dsl.transaction(c -> {
            DSLContext tx = c.dsl();
            repository.revokeCertificates(tx, id, DELETED_REASON);
            if (!repository.delete(tx, id)) {
                throw ApiException.notFound("node " + id);
            }
        });
        try {
            deletions.publishEvent(new NodeDeleted(id));
        } catch (RuntimeException e) {
            // The deletion is committed and the certificates revoked, so the caller must not see a failure; a session
            // that was not cut here fails its next certificate check instead.
            LOG.warn("node {} deleted, but a listener failed to act on it", id, e);
        }
    }
}
