package io.octofleet.agent.jobs;

import java.util.concurrent.CompletableFuture;

/**
 * Lets the session stop a run from another thread. Cancelling kills the run's whole process tree and ends it
 * {@link RunResult.Outcome#CANCELLED}; cancelling before the run starts makes it end that way at once.
 */
public final class CancellationToken {
    private final CompletableFuture<Void> cancelled = new CompletableFuture<>();

    /** Asks the run to stop. Idempotent; never throws. */
    public void cancel() {
        cancelled.complete(null);
    }

    public boolean isCancelled() {
        return cancelled.isDone();
    }

    /** Completes when {@link #cancel()} is called; a copy, so waiters cannot complete the token. */
    CompletableFuture<Void> whenCancelled() {
        return cancelled.copy();
    }
}
