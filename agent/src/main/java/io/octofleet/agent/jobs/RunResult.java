package io.octofleet.agent.jobs;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a run ended.
 *
 * @param exitCode the process's exit status; empty when no process ran (a missing program, an unknown user)
 * @param reason why a run did not succeed, in words an operator can act on; empty when it succeeded
 * @param recap the play recap of an Ansible run that got as far as producing one
 */
public record RunResult(Outcome outcome, OptionalInt exitCode, String reason, Optional<PlayRecap> recap) {

    /** The run's final state. */
    public enum Outcome {
        SUCCEEDED,
        FAILED,
        TIMED_OUT,
        CANCELLED
    }

    public RunResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(exitCode, "exitCode");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(recap, "recap");
    }

    /** A run that could not start, for {@code reason}. */
    static RunResult notStarted(String reason) {
        return new RunResult(Outcome.FAILED, OptionalInt.empty(), reason, Optional.empty());
    }
}
