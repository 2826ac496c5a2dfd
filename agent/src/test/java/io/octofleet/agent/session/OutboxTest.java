package io.octofleet.agent.session;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.AgentSessionGrpc;
import io.octofleet.proto.agent.v1.Heartbeat;
import io.octofleet.proto.agent.v1.InventoryChunk;
import io.octofleet.proto.agent.v1.ServerMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class OutboxTest {
    private final List<AgentMessage> received = new CopyOnWriteArrayList<>();
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void tearDown() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void heartbeatQueuedBehindBulkDataIsWrittenFirstAndSequenceNumbersStillIncrease() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new AgentSessionGrpc.AgentSessionImplBase() {
            @Override
            public StreamObserver<AgentMessage> connect(StreamObserver<ServerMessage> out) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(AgentMessage message) {
                        received.add(message);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                };
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        AtomicReference<Outbox> outbox = new AtomicReference<>();
        AgentSessionGrpc.newStub(channel).connect(new ClientResponseObserver<AgentMessage, ServerMessage>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<AgentMessage> stream) {
                outbox.set(new Outbox(stream));
            }

            @Override
            public void onNext(ServerMessage value) {
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        List<Long> bulkSeqs = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 5; i++) {
            outbox.get().bulk(AgentMessage.newBuilder().setInventoryChunk(InventoryChunk.newBuilder().setIndex(i)), bulkSeqs::add);
        }
        outbox.get().control(AgentMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentUnixMs(1)));

        Thread sender = new Thread(() -> {
            try {
                outbox.get().drain();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        sender.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.size() < 6 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        outbox.get().close();
        sender.join(5_000);

        assertThat(received).hasSize(6);
        assertThat(received.get(0).hasHeartbeat()).isTrue();
        assertThat(received.subList(1, 6)).allMatch(AgentMessage::hasInventoryChunk);
        assertThat(received).extracting(AgentMessage::getSeq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(bulkSeqs).containsExactly(2L, 3L, 4L, 5L, 6L);
    }
}
