package io.octofleet.bench.heartbeat;

import java.util.List;

/**
 * What one fleet size measured over the measurement window (after every agent was online and a settling pause).
 *
 * @param acknowledgedPerSecond heartbeats the server acknowledged per second (written to the database)
 * @param rttP50Ms, rttP95Ms, rttP99Ms, rttMaxMs from sending a heartbeat until its acknowledgement arrived; -1 when
 *     the server does not acknowledge heartbeats (servers before this benchmark)
 * @param serverCpuPercent, databaseCpuPercent CPU time of the server JVM and of PostgreSQL over the window, as a
 *     percentage of one core; the simulated agents' own CPU ({@code benchCpuPercent}) competes for the same cores
 */
public record HeartbeatResult(int agents, int heartbeatSeconds, long enrollMs, long connectMs, int measuredSeconds,
                              long acknowledged, double acknowledgedPerSecond, double rttP50Ms, double rttP95Ms,
                              double rttP99Ms, double rttMaxMs, double serverCpuPercent, double databaseCpuPercent,
                              double benchCpuPercent, long serverRssMib, long databaseRssMib, long sessionsLost,
                              List<String> errors) {
}
