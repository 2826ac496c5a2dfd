package io.octofleet.server.jobs;

import java.util.Collection;
import java.util.Locale;

/** A job's summary of its runs (docs/jobs.md). */
public enum JobStatus {
    /** Some run has not ended. */
    RUNNING,
    /** Every run succeeded. */
    SUCCEEDED,
    /** Every run ended, at least one failed, timed out or was unreachable. */
    FAILED,
    /** The job was cancelled and every run has ended. */
    CANCELLED;

    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static JobStatus fromDb(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }

    /** Parses a status filter; null for an unknown name. */
    static JobStatus fromApi(String text) {
        for (JobStatus s : values()) {
            if (s.apiName().equals(text)) {
                return s;
            }
        }
        return null;
    }

    /** The status of a job whose latest attempts per node are {@code runs}. */
    static JobStatus summarise(Collection<RunStatus> runs, boolean cancelRequested) {
        if (runs.stream().anyMatch(r -> !r.terminal())) {
            return RUNNING;
        }
        if (cancelRequested) {
            return CANCELLED;
        }
        if (runs.stream().anyMatch(RunStatus.FAILURES::contains)) {
            return FAILED;
        }
        // Runs cancelled without a job cancel: a failed canary batch stopped the rest.
        return runs.stream().allMatch(r -> r == RunStatus.SUCCEEDED) ? SUCCEEDED : FAILED;
    }
}
