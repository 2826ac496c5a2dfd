package io.octofleet.server.agents;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.AgentSessionGrpc;
import io.octofleet.proto.agent.v1.Hello;
import io.octofleet.proto.agent.v1.RunAssignment;
import io.octofleet.proto.agent.v1.RunFinished;
import io.octofleet.proto.agent.v1.RunOutput;
import io.octofleet.proto.agent.v1.RunStarted;
import io.octofleet.proto.agent.v1.RunUpdate;
import io.octofleet.proto.agent.v1.ServerMessage;
import io.octofleet.server.nodes.NodeId;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An agent driven by the test: connects, records what the server sends, sends updates. */
final class FakeAgent {
    final NodeId node;
    final String hostname;
    final List<ServerMessage> received = new CopyOnWriteArrayList<>();
    ManagedChannel channel;
    StreamObserver<AgentMessage> out;
    long seq;

    private final String grpcName;

    FakeAgent(String grpcName, NodeId node, String hostname) {
        this.grpcName = grpcName;
        this.node = node;
        this.hostname = hostname;
    }

    FakeAgent connect() {
        received.clear();
        Metadata headers = new Metadata();
        headers.put(InProcessAgents.AS, node.toString());
        channel = InProcessChannelBuilder.forName(grpcName)
                .intercept(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers)).build();
        out = AgentSessionGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override
            public void onNext(ServerMessage message) {
                received.add(message);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        send(AgentMessage.newBuilder().setHello(Hello.newBuilder().setHostname(hostname).setAgentVersion("1.0")));
        JobDeliveryTest.await(() -> received.stream().anyMatch(ServerMessage::hasWelcome));
        return this;
    }

    void disconnect() {
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
    }

    void send(AgentMessage.Builder message) {
        out.onNext(message.setSeq(++seq).build());
    }

    void update(String runId, long runSeq, RunUpdate.Builder update) {
        send(AgentMessage.newBuilder().setRunUpdate(update.setRunId(runId).setRunSeq(runSeq)
                .setAtUnixMs(System.currentTimeMillis())));
    }

    RunAssignment assignment() {
        JobDeliveryTest.await(() -> received.stream().anyMatch(ServerMessage::hasRunAssignment));
        return received.stream().filter(ServerMessage::hasRunAssignment).findFirst().orElseThrow()
                .getRunAssignment();
    }

    List<RunAssignment> assignments() {
        return received.stream().filter(ServerMessage::hasRunAssignment).map(ServerMessage::getRunAssignment)
                .toList();
    }

    long ackedThrough(String runId) {
        return received.stream().filter(ServerMessage::hasRunAck).map(ServerMessage::getRunAck)
                .filter(a -> a.getRunId().equals(runId)).mapToLong(a -> a.getThroughSeq()).max().orElse(0);
    }

    /** Runs the assignment: started, one output chunk, finished with the exit code. */
    void complete(RunAssignment run, String output, int exitCode) {
        update(run.getRunId(), 1, RunUpdate.newBuilder().setStarted(RunStarted.getDefaultInstance()));
        update(run.getRunId(), 2, RunUpdate.newBuilder().setOutput(RunOutput.newBuilder()
                .setStream(RunOutput.Stream.STDOUT).setData(ByteString.copyFromUtf8(output))));
        update(run.getRunId(), 3, RunUpdate.newBuilder().setFinished(RunFinished.newBuilder()
                .setOutcome(exitCode == 0 ? RunFinished.Outcome.SUCCEEDED : RunFinished.Outcome.FAILED)
                .setExitCode(exitCode)));
    }
}
