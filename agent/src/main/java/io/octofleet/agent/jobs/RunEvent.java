package io.octofleet.agent.jobs;

import java.util.Objects;
import java.util.Optional;

/**
 * Something a run reports beyond its raw output: for Ansible a task starting, or a task's result on a host.
 *
 * @param sequence the run's event counter, see {@link RunListener}
 * @param task the task's name
 * @param host the host a result is for; empty for {@link Kind#TASK_STARTED}
 * @param message what the tool said about a failure or an unreachable host
 */
public record RunEvent(long sequence, Kind kind, String task, Optional<String> host, Optional<String> message) {

    /** What happened. */
    public enum Kind {
        TASK_STARTED,
        OK,
        CHANGED,
        FAILED,
        SKIPPED,
        UNREACHABLE
    }

    public RunEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(message, "message");
    }
}
