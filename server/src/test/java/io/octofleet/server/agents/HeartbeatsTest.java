package io.octofleet.server.agents;

import io.octofleet.server.TestServer;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.octofleet.server.db.Tables.NODES;
import static org.assertj.core.api.Assertions.assertThat;

/** Heartbeats written together: every session hears whether its own counted, and the nodes table says so. */
class HeartbeatsTest {
    static TestServer server;
    static Heartbeats heartbeats;
    static NodeService nodes;
    static DSLContext dsl;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("octofleet.grpc.heartbeat-interval", "1h"));
        heartbeats = server.bean(Heartbeats.class);
        nodes = server.bean(NodeService.class);
        dsl = server.bean(DSLContext.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void manyHeartbeatsAtOnceAreAllWrittenAndEachSessionHearsItCounted() throws Exception {
        int n = 2_000;
        List<NodeId> ids = new ArrayList<>();
        Map<NodeId, UUID> sessions = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
            NodeId id = server.createNode("beat-" + i);
            UUID session = UUID.randomUUID();
            nodes.sessionOpened(id, session, "beat-" + i, "0.1.0");
            ids.add(id);
            sessions.put(id, session);
        }
        dsl.update(NODES).set(NODES.ONLINE, false).set(NODES.LAST_SEEN, OffsetDateTime.now().minusHours(1))
                .where(NODES.HOSTNAME.startsWith("beat-")).execute();
        CountDownLatch answered = new CountDownLatch(n);
        Map<NodeId, Boolean> answers = new ConcurrentHashMap<>();
        for (NodeId id : ids) {
            heartbeats.record(id, sessions.get(id), counted -> {
                answers.put(id, counted);
                answered.countDown();
            });
        }
        assertThat(answered.await(30, TimeUnit.SECONDS)).as("every session answered").isTrue();
        assertThat(answers.values()).hasSize(n).containsOnly(true);
        assertThat(dsl.fetchCount(NODES, NODES.HOSTNAME.startsWith("beat-").and(NODES.ONLINE.isTrue())
                .and(NODES.LAST_SEEN.gt(OffsetDateTime.now().minusMinutes(1))))).isEqualTo(n);
        assertThat(heartbeats.waiting()).isZero();
    }

    @Test
    void twoHeartbeatsOfOneSessionInTheSameWindowAreBothAnswered() throws Exception {
        NodeId node = server.createNode("twice");
        UUID session = UUID.randomUUID();
        nodes.sessionOpened(node, session, "twice", "0.1.0");

        CountDownLatch answered = new CountDownLatch(2);
        List<Boolean> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 2; i++) {
            heartbeats.record(node, session, counted -> {
                answers.add(counted);
                answered.countDown();
            });
        }

        assertThat(answered.await(10, TimeUnit.SECONDS)).as("both answered").isTrue();
        assertThat(answers).containsExactly(true, true);
    }

    @Test
    void aHeartbeatOfASupersededOrDeletedSessionDoesNotCount() throws Exception {
        NodeId taken = server.createNode("taken-over");
        UUID old = UUID.randomUUID();
        nodes.sessionOpened(taken, old, "taken-over", "0.1.0");
        nodes.sessionOpened(taken, UUID.randomUUID(), "taken-over", "0.1.0");
        NodeId never = NodeId.random();

        CountDownLatch answered = new CountDownLatch(2);
        Map<String, Boolean> answers = new ConcurrentHashMap<>();
        heartbeats.record(taken, old, counted -> {
            answers.put("taken", counted);
            answered.countDown();
        });
        heartbeats.record(never, UUID.randomUUID(), counted -> {
            answers.put("never", counted);
            answered.countDown();
        });
        assertThat(answered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(answers).containsEntry("taken", false).containsEntry("never", false);
    }
}
