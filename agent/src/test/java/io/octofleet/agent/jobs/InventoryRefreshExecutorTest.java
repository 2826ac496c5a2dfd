package io.octofleet.agent.jobs;

import io.octofleet.proto.agent.v1.InventoryRefresh;
import io.octofleet.proto.agent.v1.RunAssignment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** An {@code inventory} job collects through the session and reports what happened as its output. */
class InventoryRefreshExecutorTest {

    @Test
    void anInventoryAssignmentBecomesAnInventoryRunThatCollectsThroughTheBoundSession(@TempDir Path dir)
            throws Exception {
        RunAssignment assignment = RunAssignment.newBuilder().setRunId("run-inv").setJobId("job-1").setAttempt(1)
                .setInventory(InventoryRefresh.getDefaultInstance()).build();
        RunRequest request = new AssignmentRequests(dir, RunAs.forThisProcess(ProgramLocator.agentPath())).prepare(assignment).request();
        assertThat(request.spec()).isInstanceOf(InventorySpec.class);

        InventoryRefreshExecutor executor = new InventoryRefreshExecutor();
        RecordingListener unbound = new RecordingListener();
        RunResult notReady = executor.execute(request, unbound, new CancellationToken());
        assertThat(notReady.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(notReady.reason()).contains("not ready");
        assertThat(unbound.chunks).isEmpty();

        AtomicInteger collections = new AtomicInteger();
        executor.bind(() -> "inventory collected: unchanged since the last report (#" + collections.incrementAndGet()
                + ")");
        RecordingListener listener = new RecordingListener();
        RunResult result = executor.execute(request, listener, new CancellationToken());
        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.SUCCEEDED);
        assertThat(result.exitCode()).hasValue(0);
        assertThat(listener.stdout()).isEqualTo("inventory collected: unchanged since the last report (#1)\n");
        assertThat(listener.chunks).extracting(OutputChunk::sequence).containsExactly(1L);
        assertThat(collections).hasValue(1);

        executor.bind(() -> {
            throw new IllegalStateException("dmidecode went away");
        });
        RunResult broken = executor.execute(request, new RecordingListener(), new CancellationToken());
        assertThat(broken.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(broken.reason()).contains("dmidecode went away");
    }
}
