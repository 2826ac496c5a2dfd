package io.octofleet.agent.jobs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One run of a job on this host.
 *
 * @param environment added to the agent's own environment for the run's processes
 * @param workingDirectory where the process starts; empty means the run's private directory, which is removed when
 *     the run ends (ansible-runner always starts in its project directory and ignores this)
 * @param runAs the user to run as; needs an agent running as root
 * @param timeout after this the process tree is killed and the run ends {@link RunResult.Outcome#TIMED_OUT}
 */
public record RunRequest(
        RunId runId,
        JobSpec spec,
        Map<String, String> environment,
        Optional<Path> workingDirectory,
        Optional<String> runAs,
        Duration timeout) {

    public RunRequest {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(spec, "spec");
        environment = Map.copyOf(environment);
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        Objects.requireNonNull(runAs, "runAs");
        if (runAs.isPresent() && runAs.get().isBlank()) {
            throw new IllegalArgumentException("runAs must not be blank");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    /** A run in its private directory as the agent's user, with no extra environment. */
    public static RunRequest of(RunId runId, JobSpec spec, Duration timeout) {
        return new RunRequest(runId, spec, Map.of(), Optional.empty(), Optional.empty(), timeout);
    }
}
