package io.octofleet.server.legacy;

import io.micronaut.json.tree.JsonNode;
import io.octofleet.server.metrics.MetricBatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a legacy agent's {@code POST /api/v1/live-data} onto a metric batch with the names of docs/metrics.md:
 * {@code metrics.cpuPercent} → {@code cpu.usage}, {@code memoryPercent} → {@code mem.used.pct}, {@code diskPercent}
 * (of / or C:) → {@code fs.free.pct} of that mount, each of {@code network[]} → {@code nic.rx.bps} and
 * {@code nic.tx.bps}. The process list and agent logs have no metric; the latest are kept as sent in
 * {@code legacy_reports}.
 */
final class LegacyLiveData {
    /** The legacy agents have no spool; a batch per report, numbered by its time. */
    static final String SPOOL = "legacy-live-data";
    /** A report time further than this from the server's is replaced by the server's (a drifting clock). */
    private static final Duration SKEW = Duration.ofMinutes(5);
    private static final int MAX_NICS = 64;

    private LegacyLiveData() {
    }

    /** The batch to store, and what to keep as sent (processes and logs, without the metrics already stored). */
    record Sample(MetricBatch batch, JsonNode kept) {
    }

    static Sample map(LegacyJson root, String platform, Instant now) {
        Instant at = root.time("timestamp");
        if (at == null || at.isBefore(now.minus(SKEW)) || at.isAfter(now.plus(SKEW))) {
            at = now;
        }
        LegacyJson metrics = root.object("metrics");
        List<MetricBatch.Value> values = new ArrayList<>();
        if (metrics.has("cpuPercent")) {
            values.add(new MetricBatch.Value("cpu.usage", "", percent(metrics.number("cpuPercent"))));
        }
        if (metrics.has("memoryPercent")) {
            values.add(new MetricBatch.Value("mem.used.pct", "", percent(metrics.number("memoryPercent"))));
        }
        if (metrics.has("diskPercent")) {
            values.add(new MetricBatch.Value("fs.free.pct", platform.equals("windows") ? "C:" : "/",
                    100 - percent(metrics.number("diskPercent"))));
        }
        int nics = 0;
        for (LegacyJson nic : root.array("network")) {
            String name = nic.text("name");
            if (name.isEmpty() || name.length() > 200 || nics++ >= MAX_NICS) {
                continue;
            }
            values.add(new MetricBatch.Value("nic.rx.bps", name, Math.max(0, nic.number("rxBytesPerSec"))));
            values.add(new MetricBatch.Value("nic.tx.bps", name, Math.max(0, nic.number("txBytesPerSec"))));
        }
        root.array("processes"); // checked: an array of objects, kept as sent
        root.array("agentLogs");
        Map<String, JsonNode> kept = new LinkedHashMap<>();
        kept.put("timestamp", JsonNode.createStringNode(at.toString()));
        for (String section : new String[]{"processes", "agentLogs"}) {
            JsonNode node = root.raw().get(section);
            if (node != null && node.isArray()) {
                kept.put(section, node);
            }
        }
        return new Sample(new MetricBatch(SPOOL, at.toEpochMilli(), at, 0, values), JsonNode.createObjectNode(kept));
    }

    private static double percent(double value) {
        return Double.isNaN(value) ? 0 : Math.max(0, Math.min(100, value));
    }
}
