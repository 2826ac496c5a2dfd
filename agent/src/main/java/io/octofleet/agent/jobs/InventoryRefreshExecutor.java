package io.octofleet.agent.jobs;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs {@code inventory} jobs: asks the session to collect the inventory now and send it when it changed, and reports
 * what happened as the run's one line of output. The session binds itself once it exists
 * ({@link JobRuntime#bindInventoryRefresh}); until then such a run fails with the reason.
 */
final class InventoryRefreshExecutor implements JobExecutor {
    private final AtomicReference<Supplier<String>> refresh = new AtomicReference<>();

    void bind(Supplier<String> refresher) {
        refresh.set(refresher);
    }

    @Override
    public String kind() {
        return InventorySpec.KIND;
    }

    @Override
    public RunResult execute(RunRequest request, RunListener listener, CancellationToken cancel) {
        if (!(request.spec() instanceof InventorySpec)) {
            throw new IllegalArgumentException("not an inventory job: " + request.spec().kind());
        }
        Supplier<String> refresher = refresh.get();
        if (refresher == null) {
            return new RunResult(RunResult.Outcome.FAILED, OptionalInt.empty(),
                    "the agent's session is not ready to collect inventory", Optional.empty());
        }
        String outcome;
        try {
            outcome = refresher.get();
        } catch (RuntimeException e) {
            return new RunResult(RunResult.Outcome.FAILED, OptionalInt.of(1),
                    "inventory collection failed: " + e.getMessage(), Optional.empty());
        }
        listener.output(new OutputChunk(1, OutputChunk.Source.STDOUT,
                (outcome + "\n").getBytes(StandardCharsets.UTF_8)));
        return new RunResult(RunResult.Outcome.SUCCEEDED, OptionalInt.of(0), "", Optional.empty());
    }
}
