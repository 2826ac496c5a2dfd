package io.octofleet.agent.jobs;

import io.octofleet.proto.agent.v1.RunOutput;
import io.octofleet.proto.agent.v1.RunUpdate;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A session's side of run updates: keeps everything sent to it. */
final class RecordingSink implements RunUpdateSink {
    final List<RunUpdate> updates = new CopyOnWriteArrayList<>();
    volatile boolean room = true;

    @Override
    public boolean hasRoom() {
        return room;
    }

    @Override
    public void send(RunUpdate update) {
        updates.add(update);
    }

    List<RunUpdate> of(String runId) {
        return updates.stream().filter(u -> u.getRunId().equals(runId)).toList();
    }

    List<Long> seqs(String runId) {
        return of(runId).stream().map(RunUpdate::getRunSeq).toList();
    }

    String output(String runId, RunOutput.Stream stream) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        of(runId).stream().filter(RunUpdate::hasOutput).filter(u -> u.getOutput().getStream() == stream)
                .forEach(u -> bytes.writeBytes(u.getOutput().getData().toByteArray()));
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Waits up to 30 s for the run's finished update and returns it. */
    RunUpdate awaitFinished(String runId) throws InterruptedException {
        return await(runId, RunUpdate::hasFinished);
    }

    RunUpdate await(String runId, Predicate<RunUpdate> which) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (RunUpdate update : of(runId)) {
                if (which.test(update)) {
                    return update;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("run " + runId + " sent no such update within 30 s; it sent " + of(runId));
    }
}
