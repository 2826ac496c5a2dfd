package io.octofleet.server.jobs;

import io.micronaut.core.annotation.Nullable;

import java.time.Instant;
import java.util.Objects;

/**
 * Something a run did, as an agent reported it (RunUpdate), numbered per run from 1 without gaps.
 */
public record RunUpdate(RunId runId, long seq, Instant at, Kind kind) {

    public RunUpdate {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(kind, "kind");
        if (seq < 1) {
            throw new IllegalArgumentException("run_seq starts at 1, got " + seq);
        }
    }

    /** What happened. */
    public sealed interface Kind {
    }

    public record Started() implements Kind {
    }

    /**
     * @param stream {@code stdout} or {@code stderr}
     * @param droppedBefore bytes the agent dropped before this chunk (spool full)
     */
    public record Output(String stream, byte[] data, long droppedBefore) implements Kind {
    }

    /** @param kind task_started, ok, changed, failed, skipped, unreachable */
    public record TaskEvent(String kind, String task, @Nullable String host, @Nullable String message)
            implements Kind {
    }

    /** @param outcome succeeded, failed, timed_out or cancelled */
    public record Finished(RunStatus outcome, @Nullable Integer exitCode, @Nullable String reason,
                           @Nullable PlayRecap recap) implements Kind {
    }
}
