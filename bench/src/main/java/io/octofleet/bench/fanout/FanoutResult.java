package io.octofleet.bench.fanout;

import java.util.List;
import java.util.Map;

/**
 * What one fleet size measured. Times are milliseconds of wall clock; -1 where the phase did not happen (enrollment
 * skipped because the identities were already there) or did not finish.
 *
 * @param serverStartMs from exec of the server to its first healthy answer
 * @param enrollMs enrolling the simulated agents that had no identity yet, {@code enrollParallelism} at a time
 * @param connectMs from starting the agents' sessions until {@code GET /api/v1/nodes?status=online} counts all
 * @param jobs one entry per job fanned out to the fleet
 * @param medianAllResultsMs the median of the jobs' {@code allResultsMs}
 * @param serverRssMib server JVM resident set after the last job; {@code serverPeakRssMib} its peak so far
 * @param databaseRssMib the embedded PostgreSQL's processes together (shared memory counted once per process)
 * @param errors anything that went wrong: failed runs, lost sessions, a phase that timed out
 */
public record FanoutResult(int agents, long serverStartMs, int enrolled, long enrollMs, long connectMs,
                           List<Job> jobs, long medianAllResultsMs, long serverRssMib, long serverPeakRssMib,
                           long databaseRssMib, long benchRssMib, List<String> errors) {

    /**
     * One job, {@code true} on every agent.
     *
     * @param createMs the {@code POST /api/v1/jobs} round trip
     * @param allResultsMs from sending the POST until {@code GET /api/v1/jobs/{id}} shows every run final
     * @param agentsAckedMs from sending the POST until every simulated agent had its finished update acknowledged
     * @param statusFinalMs from sending the POST until the job's own status left {@code running} (it may lag the
     *     run counts by the job engine's bookkeeping)
     * @param loadBefore the machine's 1-minute load average when the job was created
     * @param serverCpuMs, databaseCpuMs, benchCpuMs CPU time spent during the job by the server JVM, PostgreSQL and
     *     this JVM (agents, polling) — on a 2-core machine they compete for the same cores
     */
    public record Job(String id, long createMs, long allResultsMs, long agentsAckedMs, long statusFinalMs,
                      int polls, String status, Map<String, Long> counts, double loadBefore, long serverCpuMs, long databaseCpuMs, long benchCpuMs) {
    }
}
