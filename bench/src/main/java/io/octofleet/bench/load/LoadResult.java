package io.octofleet.bench.load;

import java.util.List;
import java.util.Map;

/** What a load run measured: a timeline, the fan-outs, and the figures of its steady state. */
public record LoadResult(int agents, long serverStartMs, long enrolled, long enrollMs, long allConnectedMs,
                         int connectedAtEnd, int maxConnected, List<Sample> timeline, List<Fanout> fanouts,
                         Steady steady, long inventoriesStored, long metricSamplesStored, long metricRetries,
                         Map<String, Long> errorsByKind, List<String> firstProblems, Peaks peaks,
                         InventoryBurst inventoryBurst, List<String> failures) {

    /**
     * One sampling window.
     *
     * @param atSeconds since the ramp began
     * @param rttP50Ms heartbeat round trips acknowledged in this window; -1 when none
     */
    public record Sample(double atSeconds, String phase, int connected, double heartbeatsPerSecond, double rttP50Ms,
                         double rttP99Ms, double inventoriesPerSecond, double metricSamplesPerSecond,
                         double serverCpuPercent, long serverRssMib, long serverHeapMib, double databaseCpuPercent,
                         long databaseRssMib, double generatorCpuPercent, long generatorRssMib, long errors) {
    }

    /** {@code true} on every connected agent: from the POST until the server has every result recorded. */
    /**
     * @param createdMs how long {@code POST /api/v1/jobs} took (resolving the targets, writing the runs), part of
     *     {@code allResultsMs}
     */
    public record Fanout(double atSeconds, String jobId, long runs, long createdMs, long allResultsMs,
                         long unsuccessful, String status) {
    }

    /**
     * The reports held until {@code --inventory-at}, sent together: from the moment they were let go until the last
     * was stored (null without {@code --inventory-at}).
     */
    public record InventoryBurst(double atSeconds, long reports, long ms, double reportsPerSecond) {
    }

    /** Over the steady state (after the ramp): rates and the heartbeat round trip's distribution. */
    public record Steady(double seconds, long heartbeatsAcked, double heartbeatsPerSecond, double rttP50Ms,
                         double rttP95Ms, double rttP99Ms, double rttMaxMs, double inventoriesPerSecond,
                         double metricSamplesPerSecond, double serverCpuPercent, double databaseCpuPercent,
                         double generatorCpuPercent) {
    }

    /** The highest figures seen in any sample, and at the end. */
    public record Peaks(long serverRssMib, long serverPeakRssMib, long serverHeapMib, long databaseRssMib,
                        long generatorRssMib, double inventoriesPerSecond) {
    }
}
