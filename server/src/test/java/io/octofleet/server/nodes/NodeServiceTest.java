package io.octofleet.server.nodes;

import io.octofleet.server.TestServer;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.inventory.SampleInventory;
import io.octofleet.server.problem.ApiException;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

import static io.octofleet.server.db.Tables.AGENT_CERTIFICATES;
import static io.octofleet.server.db.Tables.NODES;
import static io.octofleet.server.db.Tables.NODE_PACKAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against the real embedded PostgreSQL, migrated by Flyway, in a temporary OCTOFLEET_HOME. */
class NodeServiceTest {
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);

    static TestServer server;
    static NodeService nodes;
    static InventoryService inventory;
    static DSLContext dsl;

    @BeforeAll
    static void start() {
        // A long configured interval keeps the scheduled sweep away from the nodes these tests age by hand.
        server = TestServer.start(Map.of("octofleet.grpc.heartbeat-interval", "1h"));
        nodes = server.bean(NodeService.class);
        inventory = server.bean(InventoryService.class);
        dsl = server.bean(DSLContext.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }


    private static Node node(NodeId id) {
        return nodes.find(id).orElseThrow();
    }

    private static void lastSeenAgo(NodeId id, Duration ago) {
        dsl.update(NODES).set(NODES.LAST_SEEN, OffsetDateTime.now(ZoneOffset.UTC).minus(ago))
                .where(NODES.ID.eq(id.value())).execute();
    }

    @Test
    void enrolledNodeIsOfflineUntilItsAgentConnects() {
        NodeId id = server.createNode("fresh");

        assertThat(nodes.exists(id)).isTrue();
        assertThat(node(id)).satisfies(n -> {
            assertThat(n.hostname()).isEqualTo("fresh");
            assertThat(n.status()).isEqualTo(NodeStatus.OFFLINE);
            assertThat(n.lastSeen()).isNull();
            assertThat(n.os()).isNull();
            assertThat(n.enrolledAt()).isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(
                    1, java.time.temporal.ChronoUnit.MINUTES));
        });
        assertThat(nodes.exists(NodeId.random())).isFalse();
        assertThat(nodes.find(NodeId.random())).isEmpty();
    }

    @Test
    void createInTheCallersTransactionRollsBackWithIt() {
        NodeId id = NodeId.random();

        assertThatThrownBy(() -> dsl.transaction(c -> {
            nodes.create(c.dsl(), id, io.octofleet.server.organizations.OrganizationId.DEFAULT, "enrolling", "0.1.0", UUID.randomUUID());
            throw new IllegalStateException("token already used up");
        })).hasMessageContaining("token already used up");

        assertThat(nodes.exists(id)).isFalse();
    }

    @Test
    void sessionOpenedMarksOnlineAndTakesTheReportedHostnameAndVersion() {
        NodeId id = server.createNode("old-name");

        nodes.sessionOpened(id, UUID.randomUUID(), "new-name", "0.2.0");

        assertThat(node(id)).satisfies(n -> {
            assertThat(n.status()).isEqualTo(NodeStatus.ONLINE);
            assertThat(n.hostname()).isEqualTo("new-name");
            assertThat(n.agentVersion()).isEqualTo("0.2.0");
            assertThat(n.lastSeen()).isNotNull();
        });
    }

    @Test
    void closingAnOlderSessionKeepsTheNodeOnline() {
        NodeId id = server.createNode("reconnecter");
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        nodes.sessionOpened(id, first, "reconnecter", "0.1.0");
        nodes.sessionOpened(id, second, "reconnecter", "0.1.0");

        nodes.sessionClosed(id, first);

        assertThat(node(id).status()).isEqualTo(NodeStatus.ONLINE);

        nodes.sessionClosed(id, second);

        assertThat(node(id).status()).isEqualTo(NodeStatus.OFFLINE);
    }

    @Test
    void heartbeatCountsOnlyForTheCurrentSession() {
        NodeId id = server.createNode("beating");
        UUID old = UUID.randomUUID();
        UUID current = UUID.randomUUID();
        nodes.sessionOpened(id, old, "beating", "0.1.0");
        nodes.sessionOpened(id, current, "beating", "0.1.0");
        lastSeenAgo(id, Duration.ofMinutes(10));

        assertThat(nodes.heartbeats(Map.of(id, old))).isEmpty();
        assertThat(node(id).lastSeen()).isBefore(Instant.now().minus(Duration.ofMinutes(9)));

        assertThat(nodes.heartbeats(Map.of(id, current))).containsExactly(id);
        assertThat(node(id).lastSeen()).isAfter(Instant.now().minus(Duration.ofMinutes(1)));
    }

    @Test
    void markStaleTurnsOfflineNodesSilentForTwoHeartbeatIntervals() {
        NodeId silent = server.createNode("silent");
        NodeId lively = server.createNode("lively");
        NodeId late = server.createNode("late");
        UUID silentSession = UUID.randomUUID();
        nodes.sessionOpened(silent, silentSession, "silent", "0.1.0");
        nodes.sessionOpened(lively, UUID.randomUUID(), "lively", "0.1.0");
        nodes.sessionOpened(late, UUID.randomUUID(), "late", "0.1.0");
        lastSeenAgo(silent, HEARTBEAT.multipliedBy(2).plusSeconds(5));
        lastSeenAgo(late, HEARTBEAT.plusSeconds(5)); // one missed heartbeat is tolerated

        int marked = nodes.markStale(HEARTBEAT);

        assertThat(marked).isGreaterThanOrEqualTo(1);
        assertThat(node(silent).status()).isEqualTo(NodeStatus.OFFLINE);
        assertThat(node(lively).status()).isEqualTo(NodeStatus.ONLINE);
        assertThat(node(late).status()).isEqualTo(NodeStatus.ONLINE);
        assertThat(nodes.markStale(HEARTBEAT)).isZero();

        // The session was alive after all: its next heartbeat brings the node back.
        assertThat(nodes.heartbeats(Map.of(silent, silentSession))).containsExactly(silent);
        assertThat(node(silent).status()).isEqualTo(NodeStatus.ONLINE);
    }

    @Test
    void deleteRevokesCertificatesRemovesInventoryAndAnnouncesIt() {
        NodeId id = server.createNode("doomed");
        inventory.store(id, SampleInventory.linuxHost(), "sha-1", Instant.now());
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        dsl.insertInto(AGENT_CERTIFICATES)
                .set(AGENT_CERTIFICATES.SERIAL, "1234567890")
                .set(AGENT_CERTIFICATES.NODE_ID, id.value())
                .set(AGENT_CERTIFICATES.NOT_BEFORE, now.minusHours(1))
                .set(AGENT_CERTIFICATES.NOT_AFTER, now.plusHours(23))
                .execute();

        nodes.delete(id);

        assertThat(nodes.exists(id)).isFalse();
        var certificate = dsl.selectFrom(AGENT_CERTIFICATES).where(AGENT_CERTIFICATES.SERIAL.eq("1234567890")).fetchOne();
        assertThat(certificate.getRevokedAt()).isNotNull();
        assertThat(certificate.getRevocationReason()).isEqualTo("node deleted");
        assertThat(dsl.fetchCount(NODE_PACKAGES, NODE_PACKAGES.NODE_ID.eq(id.value()))).isZero();
        assertThat(inventory.find(id)).isEmpty();
        assertThat(server.bean(RecordedDeletions.class).nodes).contains(id);
    }

    @Test
    void deletingAnUnknownNodeIsNotFoundAndAnnouncesNothing() {
        NodeId stranger = NodeId.random();

        assertThatThrownBy(() -> nodes.delete(stranger)).isInstanceOf(ApiException.class)
                .hasMessage("node " + stranger + " not found");
        assertThat(server.bean(RecordedDeletions.class).nodes).doesNotContain(stranger);
    }
}
