package io.octofleet.agent.jobs;

import com.google.protobuf.ByteString;
import io.octofleet.proto.agent.v1.RunFinished;
import io.octofleet.proto.agent.v1.RunOutput;
import io.octofleet.proto.agent.v1.RunStarted;
import io.octofleet.proto.agent.v1.RunTaskEvent;
import io.octofleet.proto.agent.v1.RunUpdate;

/** What a run produces, as the protocol's {@link RunUpdate} kinds (without run id, number and time). */
final class RunUpdates {
    private RunUpdates() {
    }

    static RunUpdate.Builder started() {
        return RunUpdate.newBuilder().setStarted(RunStarted.getDefaultInstance());
    }

    static RunUpdate.Builder output(OutputChunk.Source source, byte[] bytes, int from, int length, long droppedBefore) {
        return RunUpdate.newBuilder().setOutput(RunOutput.newBuilder()
                .setStream(source == OutputChunk.Source.STDERR ? RunOutput.Stream.STDERR : RunOutput.Stream.STDOUT)
                .setData(ByteString.copyFrom(bytes, from, length))
                .setDroppedBytesBefore(droppedBefore));
    }

    static RunUpdate.Builder event(RunEvent event) {
        RunTaskEvent.Builder task = RunTaskEvent.newBuilder()
                .setKind(RunTaskEvent.Kind.valueOf(event.kind().name()))
                .setTask(event.task());
        event.host().ifPresent(task::setHost);
        event.message().ifPresent(task::setMessage);
        return RunUpdate.newBuilder().setTaskEvent(task);
    }

    static RunUpdate.Builder finished(RunResult result) {
        RunFinished.Builder finished = RunFinished.newBuilder()
                .setOutcome(RunFinished.Outcome.valueOf(result.outcome().name()))
                .setReason(result.reason());
        result.exitCode().ifPresent(finished::setExitCode);
        result.recap().ifPresent(recap -> finished.setRecap(io.octofleet.proto.agent.v1.PlayRecap.newBuilder()
                .setOk(recap.ok())
                .setChanged(recap.changed())
                .setFailed(recap.failed())
                .setUnreachable(recap.unreachable())
                .setSkipped(recap.skipped())));
        return RunUpdate.newBuilder().setFinished(finished);
    }
}
