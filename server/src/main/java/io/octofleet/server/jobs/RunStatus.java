package io.octofleet.server.jobs;

import java.util.Locale;
import java.util.Set;

/** Where a run stands (docs/jobs.md). The API and the database use the lower-case names. */
public enum RunStatus {
    /** Persisted, waiting for its batch, a parallelism slot or its agent to connect. */
    QUEUED,
    /** Handed to the agent's live session; the agent has not said it started. */
    SENT,
    RUNNING,
    SUCCEEDED,
    FAILED,
    TIMED_OUT,
    CANCELLED,
    /** The agent never took the run before the job expired, or went silent while it ran. */
    UNREACHABLE;

    static final Set<RunStatus> ACTIVE = Set.of(SENT, RUNNING);
    static final Set<RunStatus> FAILURES = Set.of(FAILED, TIMED_OUT, UNREACHABLE);

    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean terminal() {
        return this != QUEUED && this != SENT && this != RUNNING;
    }

    static RunStatus fromDb(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }

    /** Parses a status filter; null for an unknown name. */
    static RunStatus fromApi(String text) {
        for (RunStatus s : values()) {
            if (s.apiName().equals(text)) {
                return s;
            }
        }
        return null;
    }
}
