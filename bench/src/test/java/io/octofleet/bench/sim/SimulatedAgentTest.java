package io.octofleet.bench.sim;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.InventoryReport;
import io.octofleet.proto.agent.v1.RunFinished;
import io.octofleet.proto.agent.v1.RunUpdate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

class SimulatedAgentTest {
    private final FakeSessionServer fake = new FakeSessionServer();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final RecordingListener listener = new RecordingListener();
    private Server server;
    private ManagedChannel channel;
    private SimulatedAgent agent;

    @BeforeEach
    void startServer() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).addService(fake).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        if (agent != null) {
            agent.stop();
        }
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        timers.shutdownNow();
    }

    @Test
    void answersAnAssignmentWithStartedOutputAndSucceededNumberedFromOne() throws Exception {
        agent = start(RunBehaviour.withOutput(Duration.ZERO, 6));
        FakeSessionServer.Session session = session();
        AgentMessage hello = session.received.poll(5, TimeUnit.SECONDS);
        assertThat(hello.getHello().getHostname()).isEqualTo("sim-00042");
        assertThat(hello.getHello().getAgentVersion()).isEqualTo("bench-sim");

        session.assign(FakeSessionServer.shell("run-1"));
        List<RunUpdate> updates = List.of(nextUpdate(session), nextUpdate(session), nextUpdate(session));

        assertThat(updates).extracting(RunUpdate::getRunId).containsOnly("run-1");
        assertThat(updates).extracting(RunUpdate::getRunSeq).containsExactly(1L, 2L, 3L);
        assertThat(updates.get(0).hasStarted()).isTrue();
        assertThat(updates.get(1).getOutput().getData().toStringUtf8()).isEqualTo("xxxxx\n");
        assertThat(updates.get(2).getFinished().getOutcome()).isEqualTo(RunFinished.Outcome.SUCCEEDED);
        assertThat(updates.get(2).getFinished().hasExitCode()).isTrue();
        assertThat(updates.get(2).getFinished().getExitCode()).isZero();
        assertThat(agent.unacknowledgedUpdates()).isEqualTo(3);

        session.ack("run-1", 3);
        awaitTrue(() -> listener.recorded.contains("run-1"));
        assertThat(agent.unacknowledgedUpdates()).isZero();
    }

    @Test
    void ignoresAnAssignmentItAlreadyKnows() throws Exception {
        agent = start(RunBehaviour.instant());
        FakeSessionServer.Session session = session();
        session.assign(FakeSessionServer.shell("run-1"));
        session.assign(FakeSessionServer.shell("run-1"));
        session.assign(FakeSessionServer.shell("run-2"));

        List<RunUpdate> updates = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            updates.add(nextUpdate(session));
        }

        // The stream is ordered: had the duplicate been run, its updates would sit between run-1's and run-2's.
        assertThat(updates).extracting(u -> u.getRunId() + "#" + u.getRunSeq())
                .containsExactly("run-1#1", "run-1#2", "run-1#3", "run-2#1", "run-2#2", "run-2#3");
    }

    @Test
    void resendsOnlyUnacknowledgedUpdatesInOrderAfterReconnecting() throws Exception {
        agent = start(RunBehaviour.instant());
        FakeSessionServer.Session first = session();
        first.assign(FakeSessionServer.shell("run-1"));
        for (int i = 0; i < 3; i++) {
            nextUpdate(first);
        }
        first.drop();

        FakeSessionServer.Session second = session();
        // The server sends again what it believes has not started; the agent must not run it twice.
        second.assign(FakeSessionServer.shell("run-1"));
        assertThat(List.of(nextUpdate(second), nextUpdate(second), nextUpdate(second)))
                .extracting(RunUpdate::getRunSeq).containsExactly(1L, 2L, 3L);
        second.ack("run-1", 2);
        awaitTrue(() -> agent.unacknowledgedUpdates() == 1);
        second.drop();

        FakeSessionServer.Session third = session();
        RunUpdate resent = nextUpdate(third);
        assertThat(resent.getRunSeq()).isEqualTo(3L);
        assertThat(resent.hasFinished()).isTrue();
        third.ack("run-1", 3);
        awaitTrue(() -> listener.recorded.contains("run-1"));
        assertThat(listener.recorded).containsExactly("run-1");
        assertThat(third.all).filteredOn(AgentMessage::hasRunUpdate).hasSize(1);
        assertThat(listener.endedAfterWelcome).hasSize(2);
    }

    @Test
    void sendsItsInventoryWhenTheServerLacksIt() throws Exception {
        fake.inventoryCurrent = false;
        agent = start(RunBehaviour.instant());
        FakeSessionServer.Session session = session();
        AgentMessage chunk = next(session, AgentMessage.KindCase.INVENTORY_CHUNK);

        assertThat(chunk.getInventoryChunk().getLast()).isTrue();
        assertThat(chunk.getInventoryChunk().getReportId()).matches("[0-9a-f]{64}");
        InventoryReport report = InventoryReport.parseFrom(chunk.getInventoryChunk().getData());
        assertThat(report.getOs().getFamily()).isEqualTo("linux");
        assertThat(report.getNics(0).getMac()).isEqualTo("02:0f:00:00:00:2a");
        awaitTrue(() -> listener.inventories == 1);
    }

    @Test
    void heartbeatsAtTheIntervalWelcomeGives() throws Exception {
        fake.heartbeatSeconds = 1;
        agent = start(RunBehaviour.instant());
        FakeSessionServer.Session session = session();
        long welcomedAt = System.nanoTime();
        next(session, AgentMessage.KindCase.HEARTBEAT);
        assertThat(Duration.ofNanos(System.nanoTime() - welcomedAt)).isBetween(Duration.ofMillis(700),
                Duration.ofMillis(3000));
    }

    @Test
    void reportsTheRoundTripOfEachAcknowledgedHeartbeat() throws Exception {
        fake.heartbeatSeconds = 1;
        agent = start(RunBehaviour.instant());
        session();
        awaitTrue(() -> listener.heartbeatRtts.size() >= 2);
        assertThat(listener.heartbeatRtts).allSatisfy(rtt -> assertThat(rtt).isPositive()
                .isLessThan(Duration.ofSeconds(1).toNanos()));
    }

    @Test
    void finishesAfterTheConfiguredDelayAndReportsCancelledWhenCancelledFirst() throws Exception {
        agent = start(new RunBehaviour(Duration.ofMillis(300), new byte[0]));
        FakeSessionServer.Session session = session();
        session.assign(FakeSessionServer.shell("slow"));
        nextUpdate(session);
        nextUpdate(session);
        long outputAt = System.nanoTime();
        RunUpdate finished = nextUpdate(session);
        assertThat(Duration.ofNanos(System.nanoTime() - outputAt)).isGreaterThan(Duration.ofMillis(200));
        assertThat(finished.getFinished().getOutcome()).isEqualTo(RunFinished.Outcome.SUCCEEDED);

        session.assign(FakeSessionServer.shell("cancelled"));
        nextUpdate(session);
        nextUpdate(session);
        session.send(io.octofleet.proto.agent.v1.ServerMessage.newBuilder()
                .setCancelRun(io.octofleet.proto.agent.v1.CancelRun.newBuilder().setRunId("cancelled")));
        RunUpdate cancelled = nextUpdate(session);
        assertThat(cancelled.getRunSeq()).isEqualTo(3L);
        assertThat(cancelled.getFinished().getOutcome()).isEqualTo(RunFinished.Outcome.CANCELLED);
    }

    private SimulatedAgent start(RunBehaviour behaviour) {
        SimulatedAgent a = new SimulatedAgent("sim-00042", 42, channel, timers, behaviour, Duration.ofMillis(10),
                listener);
        a.start();
        return a;
    }

    private FakeSessionServer.Session session() throws InterruptedException {
        FakeSessionServer.Session s = fake.sessions.poll(5, TimeUnit.SECONDS);
        if (s == null) {
            fail("the agent did not connect");
        }
        return s;
    }

    private static RunUpdate nextUpdate(FakeSessionServer.Session session) throws InterruptedException {
        return next(session, AgentMessage.KindCase.RUN_UPDATE).getRunUpdate();
    }

    private static AgentMessage next(FakeSessionServer.Session session, AgentMessage.KindCase kind)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            AgentMessage m = session.received.poll(100, TimeUnit.MILLISECONDS);
            if (m != null && m.getKindCase() == kind) {
                return m;
            }
        }
        return fail("no " + kind + " within 5 s");
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        if (!SimulatedFleet.await(condition, Duration.ofSeconds(5), Duration.ofMillis(10))) {
            fail("condition not met within 5 s");
        }
    }

    private static final class RecordingListener implements SimulatedAgent.Listener {
        final List<String> recorded = new CopyOnWriteArrayList<>();
        final List<Status> endedAfterWelcome = new CopyOnWriteArrayList<>();
        volatile int inventories;
        final List<Long> heartbeatRtts = new CopyOnWriteArrayList<>();

        @Override
        public void heartbeatAcked(SimulatedAgent agent, long rttNanos) {
            heartbeatRtts.add(rttNanos);
        }

        @Override
        public void welcomed(SimulatedAgent agent) {
        }

        @Override
        public void sessionEnded(SimulatedAgent agent, boolean wasWelcomed, Status status) {
            if (wasWelcomed) {
                endedAfterWelcome.add(status);
            }
        }

        @Override
        public void inventoryStored(SimulatedAgent agent) {
            inventories++;
        }

        @Override
        public void runRecorded(SimulatedAgent agent, String runId) {
            recorded.add(runId);
        }

        @Override
        public void problem(SimulatedAgent agent, String message) {
        }
    }
}
