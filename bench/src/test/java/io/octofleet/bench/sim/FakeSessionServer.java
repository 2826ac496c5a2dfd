package io.octofleet.bench.sim;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.octofleet.proto.agent.v1.Ack;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.AgentSessionGrpc;
import io.octofleet.proto.agent.v1.RunAck;
import io.octofleet.proto.agent.v1.RunAssignment;
import io.octofleet.proto.agent.v1.ServerMessage;
import io.octofleet.proto.agent.v1.ShellJob;
import io.octofleet.proto.agent.v1.Welcome;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The server side of the session protocol, just enough of it: Welcome on Hello, acks for inventory, and whatever
 * the test tells a session to send. Every session and every message it receives is kept for assertions.
 */
final class FakeSessionServer extends AgentSessionGrpc.AgentSessionImplBase {
    final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();
    volatile boolean inventoryCurrent = true;
    volatile int heartbeatSeconds = 15;
    /** Acknowledge heartbeats as the server does since it writes them in batches. */
    volatile boolean ackHeartbeats = true;

    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<ServerMessage> responses) {
        Session session = new Session(responses);
        sessions.add(session);
        return session;
    }

    static RunAssignment shell(String runId) {
        return RunAssignment.newBuilder().setRunId(runId).setJobId("job-1").setAttempt(1)
                .setShell(ShellJob.newBuilder().setScript("true").setShell("sh")).build();
    }

    final class Session implements StreamObserver<AgentMessage> {
        final BlockingQueue<AgentMessage> received = new LinkedBlockingQueue<>();
        final List<AgentMessage> all = new CopyOnWriteArrayList<>();
        private final StreamObserver<ServerMessage> out;
        private long seq;
        volatile boolean ended;

        Session(StreamObserver<ServerMessage> out) {
            this.out = out;
        }

        @Override
        public void onNext(AgentMessage message) {
            all.add(message);
            received.add(message);
            switch (message.getKindCase()) {
                case HELLO -> send(ServerMessage.newBuilder().setWelcome(Welcome.newBuilder().setNodeId("node-1")
                        .setHeartbeatIntervalSeconds(heartbeatSeconds).setInventoryCurrent(inventoryCurrent)
                        .setServerTimeUnixMs(System.currentTimeMillis())));
                case HEARTBEAT -> {
                    if (ackHeartbeats) {
                        send(ServerMessage.newBuilder().setHeartbeatAck(io.octofleet.proto.agent.v1.HeartbeatAck.newBuilder()
                                .setHeartbeatSeq(message.getSeq()).setSentUnixMs(message.getHeartbeat().getSentUnixMs())));
                    }
                }
                case INVENTORY_CHUNK -> {
                    if (message.getInventoryChunk().getLast()) {
                        send(ServerMessage.newBuilder().setAck(Ack.newBuilder().setSeq(message.getSeq())));
                    }
                }
                default -> {
                }
            }
        }

        synchronized void send(ServerMessage.Builder message) {
            if (!ended) {
                out.onNext(message.setSeq(++seq).build());
            }
        }

        void assign(RunAssignment assignment) {
            send(ServerMessage.newBuilder().setRunAssignment(assignment));
        }

        void ack(String runId, long throughSeq) {
            send(ServerMessage.newBuilder().setRunAck(RunAck.newBuilder().setRunId(runId).setThroughSeq(throughSeq)));
        }

        synchronized void drop() {
            ended = true;
            out.onError(Status.UNAVAILABLE.withDescription("test drops the session").asRuntimeException());
        }

        @Override
        public void onError(Throwable t) {
            ended = true;
        }

        @Override
        public void onCompleted() {
            ended = true;
        }
    }
}
