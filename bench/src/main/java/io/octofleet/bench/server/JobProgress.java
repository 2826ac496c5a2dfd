package io.octofleet.bench.server;

import java.util.Map;

/**
 * A job's status and its runs per status, from {@code GET /api/v1/jobs/{id}}.
 *
 * @param counts queued, sent, running, succeeded, failed, timed_out, cancelled, unreachable and total
 */
public record JobProgress(String status, Map<String, Long> counts) {
    public JobProgress {
        counts = Map.copyOf(counts);
    }

    public long count(String status) {
        return counts.getOrDefault(status, 0L);
    }

    /** Every run reached a final status and the server recorded it. */
    public boolean done() {
        return count("total") > 0 && count("queued") + count("sent") + count("running") == 0;
    }

    /** Runs that ended other than succeeded. */
    public long unsuccessful() {
        return count("failed") + count("timed_out") + count("cancelled") + count("unreachable");
    }
}
