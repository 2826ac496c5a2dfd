package io.octofleet.server.agents;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.AgentSessionGrpc;
import io.octofleet.proto.agent.v1.Cpu;
import io.octofleet.proto.agent.v1.Heartbeat;
import io.octofleet.proto.agent.v1.Hello;
import io.octofleet.proto.agent.v1.InventoryChunk;
import io.octofleet.proto.agent.v1.InventoryReport;
import io.octofleet.proto.agent.v1.OperatingSystem;
import io.octofleet.proto.agent.v1.ServerMessage;
import io.octofleet.server.TestServer;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.nodes.NodeStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server's side of the agent session: the real endpoint bean, services and database, reached over an in-process
 * gRPC transport. (TLS and the certificate check are covered by the end-to-end test; here a test interceptor
 * stands in for them by naming the node, as the certificate would.)
 */
class AgentSessionTest {
    static TestServer server;
    static NodeService nodes;
    static InventoryService inventory;
    static Server grpc;
    static final String NAME = InProcessServerBuilder.generateName();
    static volatile NodeId caller;

    private ManagedChannel channel;
    private final List<ServerMessage> received = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Status> ended = new CompletableFuture<>();
    private StreamObserver<AgentMessage> session;
    private NodeId node;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("octofleet.grpc.heartbeat-interval", "1h"));
        nodes = server.bean(NodeService.class);
        inventory = server.bean(InventoryService.class);
        ServerInterceptor asCaller = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                return Contexts.interceptCall(Context.current().withValue(ClientCertificateInterceptor.NODE, caller), call, headers, next);
            }
        };
        grpc = InProcessServerBuilder.forName(NAME)
                .addService(ServerInterceptors.intercept(server.bean(AgentSessionGrpcEndpoint.class), asCaller))
                .build().start();
    }

    @AfterAll
    static void stop() {
        grpc.shutdownNow();
        server.close();
    }

    @BeforeEach
    void connect() {
        node = NodeId.random();
        nodes.create(node, io.octofleet.server.organizations.OrganizationId.DEFAULT, "session-host", "1.0", null);
        caller = node;
        channel = InProcessChannelBuilder.forName(NAME).build();
        session = AgentSessionGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override
            public void onNext(ServerMessage message) {
                received.add(message);
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                ended.complete(Status.OK);
            }
        });
    }

    @AfterEach
    void disconnect() {
        channel.shutdownNow();
    }

    @Test
    void helloPutsTheNodeOnlineAndAskForInventoryWhichIsStoredAndAcked() throws Exception {
        session.onNext(hello(1, "fp-1"));
        await(() -> received.size() == 1);
        assertThat(received.get(0).getWelcome().getNodeId()).isEqualTo(node.toString());
        assertThat(received.get(0).getWelcome().getInventoryCurrent()).isFalse();
        assertThat(status()).isEqualTo(NodeStatus.ONLINE);

        byte[] report = report().toByteArray();
        int half = report.length / 2;
        session.onNext(chunk(2, "fp-1", 0, false, ByteString.copyFrom(report, 0, half)));
        session.onNext(AgentMessage.newBuilder().setSeq(3).setHeartbeat(Heartbeat.newBuilder()).build());
        session.onNext(chunk(4, "fp-1", 1, true, ByteString.copyFrom(report, half, report.length - half)));

        // The heartbeat in between is acknowledged on its own, once written.
        await(() -> received.stream().anyMatch(ServerMessage::hasAck) && received.stream().anyMatch(ServerMessage::hasHeartbeatAck));
        ServerMessage ack = received.stream().filter(ServerMessage::hasAck).findFirst().orElseThrow();
        assertThat(ack.getAck().getSeq()).isEqualTo(4);
        assertThat(ack.getAck().getError()).isEmpty();
        assertThat(received.stream().filter(ServerMessage::hasHeartbeatAck).findFirst().orElseThrow()
                .getHeartbeatAck().getHeartbeatSeq()).isEqualTo(3);
        assertThat(inventory.find(node)).hasValueSatisfying(i -> assertThat(i.cpu().threads()).isEqualTo(8));
        assertThat(inventory.storedSha256(node)).contains("fp-1");
    }

    @Test
    void aSecondReportWaitsForTheFirstAndBothAreStoredInOrderWhileHeartbeatsGoOn() throws Exception {
        session.onNext(hello(1, "fp-a"));
        await(() -> received.size() == 1);
        io.octofleet.proto.agent.v1.InventoryReport second = report().toBuilder()
                .setCpu(report().getCpu().toBuilder().setThreads(16)).build();

        session.onNext(chunk(2, "fp-a", 0, true, report().toByteString()));
        session.onNext(AgentMessage.newBuilder().setSeq(3).setHeartbeat(Heartbeat.newBuilder()).build());
        session.onNext(chunk(4, "fp-b", 0, true, second.toByteString()));
        session.onNext(AgentMessage.newBuilder().setSeq(5).setHeartbeat(Heartbeat.newBuilder()).build());

        await(() -> received.stream().filter(ServerMessage::hasAck).count() == 2
                && received.stream().filter(ServerMessage::hasHeartbeatAck).count() == 2);
        assertThat(received.stream().filter(ServerMessage::hasAck).map(m -> m.getAck().getSeq()))
                .containsExactly(2L, 4L);
        assertThat(received.stream().filter(ServerMessage::hasAck).map(m -> m.getAck().getError()))
                .containsOnly("");
        // the newer report is the stored one, and the history has both
        assertThat(inventory.storedSha256(node)).contains("fp-b");
        assertThat(inventory.find(node)).hasValueSatisfying(i -> assertThat(i.cpu().threads()).isEqualTo(16));
        assertThat(inventory.history(node, 10, null)).hasSize(2);
    }

    @Test
    void reconnectWithTheStoredFingerprintNeedsNoInventory() throws Exception {
        inventory.store(node, ProtoInventory.toInventory(report()), "fp-known", java.time.Instant.now());
        session.onNext(hello(1, "fp-known"));
        await(() -> received.size() == 1);
        assertThat(received.get(0).getWelcome().getInventoryCurrent()).isTrue();
    }

    @Test
    void firstMessageMustBeHello() throws Exception {
        session.onNext(AgentMessage.newBuilder().setSeq(1).setHeartbeat(Heartbeat.newBuilder()).build());
        assertThat(ended.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(status()).isEqualTo(NodeStatus.OFFLINE);
    }

    @Test
    void helloWithAHostnameThatIsNotOneIsRefused() throws Exception {
        session.onNext(AgentMessage.newBuilder().setSeq(1).setHello(Hello.newBuilder()
                .setHostname("evil\nhost").setAgentVersion("1.0")).build());
        assertThat(ended.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(nodes.find(node).orElseThrow().hostname()).isEqualTo("session-host");
    }

    @Test
    void chunkOutOfOrderIsRejectedAndNothingIsStored() throws Exception {
        session.onNext(hello(1, "fp-2"));
        byte[] report = report().toByteArray();
        session.onNext(chunk(2, "fp-2", 1, true, ByteString.copyFrom(report)));
        await(() -> received.size() == 2);
        assertThat(received.get(1).getAck().getSeq()).isEqualTo(2);
        assertThat(received.get(1).getAck().getError()).contains("out of order");
        assertThat(inventory.find(node)).isEmpty();
    }

    @Test
    void agentGoingAwayTurnsTheNodeOffline() throws Exception {
        session.onNext(hello(1, "fp-3"));
        await(() -> status() == NodeStatus.ONLINE);
        channel.shutdownNow();
        await(() -> status() == NodeStatus.OFFLINE);
    }

    @Test
    void deletingTheNodeCutsItsLiveSession() throws Exception {
        session.onNext(hello(1, "fp-4"));
        await(() -> received.size() == 1);
        nodes.delete(node);
        Status status = ended.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(status.getDescription()).contains("deleted");
    }

    @Test
    void heartbeatOfANodeDeletedElsewhereEndsTheSession() throws Exception {
        session.onNext(hello(1, "fp-5"));
        await(() -> received.size() == 1);
        // deleted by another server replica: no NodeDeleted event reaches this one
        server.bean(org.jooq.DSLContext.class).deleteFrom(io.octofleet.server.db.Tables.NODES)
                .where(io.octofleet.server.db.Tables.NODES.ID.eq(node.value())).execute();
        session.onNext(AgentMessage.newBuilder().setSeq(2).setHeartbeat(Heartbeat.newBuilder()).build());
        assertThat(ended.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    private NodeStatus status() {
        return nodes.find(node).orElseThrow().status();
    }

    private static AgentMessage hello(long seq, String fingerprint) {
        return AgentMessage.newBuilder().setSeq(seq).setHello(Hello.newBuilder()
                .setHostname("session-host").setAgentVersion("1.0").setInventorySha256(fingerprint)).build();
    }

    private static AgentMessage chunk(long seq, String reportId, int index, boolean last, ByteString data) {
        return AgentMessage.newBuilder().setSeq(seq).setInventoryChunk(InventoryChunk.newBuilder()
                .setReportId(reportId).setIndex(index).setLast(last).setData(data)).build();
    }

    private static InventoryReport report() {
        return InventoryReport.newBuilder()
                .setOs(OperatingSystem.newBuilder().setFamily("linux").setName("Debian GNU/Linux").setVersion("12"))
                .setCpu(Cpu.newBuilder().setModel("EPYC").setVendor("AuthenticAMD").setSockets(1).setCores(4).setThreads(8))
                .build();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(20);
        }
    }
}
