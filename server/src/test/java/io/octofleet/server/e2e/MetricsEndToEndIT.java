package io.octofleet.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live metrics as they really flow: the packaged agent samples this machine, spools, and ships to the packaged
 * server on its embedded PostgreSQL; the figures are read back through the API and checked against the kernel's
 * own; then the server is stopped for a while and the series must have no gap when it is back.
 */
class MetricsEndToEndIT {
    @TempDir
    Path dir;
    private Fleet fleet;

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void realFiguresOfThisHostReachTheDatabaseAndAServerOutageLeavesNoGap() throws Exception {
        fleet = new Fleet(dir, Duration.ofSeconds(2));
        var server = fleet.startServer("server-1.log");
        Api api = fleet.api();
        assertThat(api.put("/api/v1/parameters/OCTOFLEET_METRICS_INTERVAL", "{\"value\": \"1\"}").status()).isEqualTo(200);
        String node = enroll(api, "agent-metrics");
        // A second agent whose spool holds only a few batches: the outage overflows it.
        String small = enroll(api, "agent-small-spool", "--metrics-spool-limit", "6KiB");

        await(() -> names(api, node).containsAll(Set.of("cpu.usage", "mem.total.bytes", "uptime.seconds", "procs.count",
                "fs.total.bytes", "load.1")), "the agent's first batches", api, node);
        // The same figures the kernel reports (OSHI reads MemTotal from /proc/meminfo, in kB).
        long memTotal = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).findFirst().orElseThrow();
        assertThat(last(api, node, "mem.total.bytes")).isEqualTo((double) memTotal);
        double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        assertThat(last(api, node, "uptime.seconds")).isCloseTo(uptime, org.assertj.core.data.Offset.offset(30.0));
        assertThat(last(api, node, "cpu.usage")).isBetween(0.0, 100.0);

        Instant sampling = Instant.now();
        await(() -> points(api, node, "uptime.seconds", sampling.minusSeconds(1)).size() >= 12,
                "a dozen seconds of samples at the 1 s interval", api, node);
        Instant stopped = Instant.now();
        server.stop();
        Thread.sleep(8_000); // the agent keeps sampling into its spool
        fleet.startServer("server-2.log");
        Instant restarted = Instant.now();
        Api again = fleet.api();
        await(() -> points(again, node, "uptime.seconds", stopped.minusSeconds(30)).stream()
                .anyMatch(t -> t.isAfter(restarted.plusSeconds(2))), "batches after the restart", again, node);

        List<Instant> times = points(again, node, "uptime.seconds", stopped.minusSeconds(20));
        assertThat(times.get(0)).isBefore(stopped.minusSeconds(10));
        long longestGap = 0;
        for (int i = 1; i < times.size(); i++) {
            longestGap = Math.max(longestGap, Duration.between(times.get(i - 1), times.get(i)).toSeconds());
        }
        long outage = Duration.between(stopped, restarted).toSeconds();
        assertThat(longestGap).as("seconds without a sample across a %d s outage%s", outage, fleet.logs())
                .isLessThanOrEqualTo(2);
        assertThat(names(again, node)).as("nothing dropped: the spool held the outage").doesNotContain("agent.metrics.dropped");

        // The small spool kept only its newest batches: the series has a gap, and the agent said how much it dropped.
        await(() -> names(again, small).contains("agent.metrics.dropped"), "the small spool's drop count", again, small);
        List<Instant> smallTimes = points(again, small, "uptime.seconds", stopped.minusSeconds(20));
        long smallGap = 0;
        for (int i = 1; i < smallTimes.size(); i++) {
            smallGap = Math.max(smallGap, Duration.between(smallTimes.get(i - 1), smallTimes.get(i)).toSeconds());
        }
        assertThat(smallGap).as("the small spool could not hold a %d s outage", outage).isGreaterThan(2);
        assertThat(last(again, small, "agent.metrics.dropped")).isPositive();
    }

    private Set<String> names(Api api, String node) {
        try {
            Set<String> names = new HashSet<>();
            api.get("/api/v1/nodes/" + node + "/metrics/names").body().get("items").forEach(i -> names.add(i.get("name").asText()));
            return names;
        } catch (Exception e) {
            return Set.of();
        }
    }

    private static double last(Api api, String node, String name) throws Exception {
        JsonNode series = api.get("/api/v1/nodes/" + node + "/metrics?names=" + name + "&from=-5m&step=1s").body().get("series");
        JsonNode points = series.get(0).get("points");
        return points.get(points.size() - 1).get("max").asDouble();
    }

    /** The start of every one-second bucket with a sample, oldest first. */
    private static List<Instant> points(Api api, String node, String name, Instant from) {
        List<Instant> times = new ArrayList<>();
        try {
            JsonNode series = api.get("/api/v1/nodes/" + node + "/metrics?names=" + name + "&from="
                    + from.truncatedTo(ChronoUnit.SECONDS) + "&step=1s").body().get("series");
            if (series != null && series.size() > 0) {
                series.get(0).get("points").forEach(p -> times.add(Instant.parse(p.get("time").asText())));
            }
        } catch (Exception e) {
            return List.of();
        }
        return times;
    }

    private String enroll(Api api, String name, String... options) throws Exception {
        Path state = dir.resolve("state-" + name);
        List<String> args = new ArrayList<>(List.of("run", "--join", fleet.joinString(api), "--state-dir", state.toString()));
        args.addAll(List.of(options));
        fleet.startAgent(name + ".log", args.toArray(String[]::new));
        Instant deadline = Instant.now().plusSeconds(90);
        while (Instant.now().isBefore(deadline)) {
            if (Files.exists(state.resolve("node-id"))) {
                String node = Files.readString(state.resolve("node-id")).trim();
                JsonNode n = api.get("/api/v1/nodes/" + node).body();
                if (n != null && "online".equals(n.path("status").asText())) {
                    return node;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError(name + " did not come online" + fleet.logs());
    }

    private void await(java.util.function.BooleanSupplier condition, String what, Api api, String node)
            throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(120);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within 120 s: " + what + "; series " + names(api, node) + fleet.logs());
            }
            Thread.sleep(250);
        }
    }
}
