package io.octofleet.bench.load;

import io.octofleet.bench.report.JsonReport;
import io.octofleet.bench.report.Machine;
import io.octofleet.bench.sim.HostTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code load}: a simulated fleet against the packaged server, the way osquery-perf loads a FleetDM server. */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Starts the packaged server on --work/home (its production configuration; only the heartbeat and "
                + "metrics intervals come from the flags), enrolls the hosts --work/identities lacks (real enrollment, "
                + "kept for the next run), then starts N simulated agents evenly over --ramp and holds them for "
                + "--duration. Each agent has its own key, certificate and mutual-TLS session; sends an inventory "
                + "drawn from --os-templates when the server lacks it, heartbeats and metrics at the server's "
                + "intervals, a changed inventory now and then, answers job assignments after --finish-delay with "
                + "--output-bytes of output, and reconnects with the real agent's backoff when dropped.",
                "Prints a line per --sample and a summary; --out writes everything as JSON: agents connected over "
                        + "time, heartbeat round trips, fan-out times, inventory reports/s, metric samples/s, errors "
                        + "by kind, and the server's CPU, RSS and heap."})
public final class LoadCommand implements Callable<Integer> {

    @Option(names = "--agents", required = true, description = "Simulated agents (hosts sim-00001..sim-N).")
    int agents;

    @Option(names = "--first-host", defaultValue = "1",
            description = "Number of the first host, so runs can use hosts that have not reported yet "
                    + "(default: ${DEFAULT-VALUE}).")
    int firstHost;

    @Option(names = "--ramp", defaultValue = "60s", converter = DurationConverter.class,
            description = "Start the agents evenly over this (default: ${DEFAULT-VALUE}).")
    Duration ramp;

    @Option(names = "--duration", defaultValue = "300s", converter = DurationConverter.class,
            description = "Steady state after the ramp (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--heartbeat", defaultValue = "15s", converter = DurationConverter.class,
            description = "The server's heartbeat interval; 15s is production's (default: ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Option(names = "--metrics", defaultValue = "15s", converter = DurationConverter.class,
            description = "The server's metric interval for agents; 15s is production's (default: ${DEFAULT-VALUE}).")
    Duration metrics;

    @Option(names = "--os-templates", defaultValue = "debian12-vm=50,rhel9-server=20,ubuntu22-gpu=15,windows2022=15",
            description = "Host kinds and their shares; kinds: debian12-vm, rhel9-server, ubuntu22-gpu, windows2022 "
                    + "(default: ${DEFAULT-VALUE}).")
    String osTemplates;

    @Option(names = "--packages", defaultValue = "0",
            description = "Packages per host; 0 draws from each template's range, 500-3,000 (default: ${DEFAULT-VALUE}).")
    int packages;

    @Option(names = "--inventory-changes-per-hour", defaultValue = "1",
            description = "How often each host changes (one package upgraded) and reports it, on average "
                    + "(default: ${DEFAULT-VALUE}).")
    double inventoryChangesPerHour;

    @Option(names = "--resend-inventory", description = "Send the full inventory on every connect, as if the server "
            + "never had it (an empty fingerprint in Hello) instead of only when it lacks it.")
    boolean resendInventory;

    @Option(names = "--inventory-at", converter = DurationConverter.class,
            description = "Hold every report the server asks for until this offset into the steady state, then send "
                    + "them all at once, so the store rate of a burst is measured apart from how fast agents connect "
                    + "(default: each on connect, as the real agent does).")
    Duration inventoryAt;

    @Option(names = "--fanout-at", split = ",", converter = DurationConverter.class,
            description = "Offsets into the steady state at which to run `true` on every connected agent, e.g. 60s,180s.")
    List<Duration> fanoutAt = new ArrayList<>();

    @Option(names = "--finish-delay", defaultValue = "0ms", converter = DurationConverter.class,
            description = "How long each job assignment 'runs' before its result (default: ${DEFAULT-VALUE}).")
    Duration finishDelay;

    @Option(names = "--output-bytes", defaultValue = "0", description = "Stdout bytes per run (default: ${DEFAULT-VALUE}).")
    int outputBytes;

    @Option(names = "--sample", defaultValue = "5s", converter = DurationConverter.class,
            description = "Sampling interval of the timeline (default: ${DEFAULT-VALUE}).")
    Duration sampleEvery;

    @Option(names = "--work", required = true,
            description = "Server home (home/) and agent identities (identities/); kept, so the next run skips "
                    + "enrollment. A larger fleet's identities serve any smaller run.")
    Path work;

    @Option(names = "--server-jar", defaultValue = "server/target/octofleet-server.jar",
            description = "The packaged server (default: ${DEFAULT-VALUE}).")
    Path serverJar;

    @Option(names = "--server-jvm-option", description = "A JVM option for the server (repeatable).")
    List<String> serverJvmOptions = new ArrayList<>();

    @Option(names = "--threads", defaultValue = "2", description = "Simulated agents' shared threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--enroll-parallelism", defaultValue = "8", description = "Enrollments at once (default: ${DEFAULT-VALUE}).")
    int enrollParallelism;

    @Option(names = "--out", description = "Write the settings and results as JSON to this file.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Map<HostTemplate, Integer> templates = HostTemplate.parseMix(osTemplates);
        LoadSettings settings = new LoadSettings(agents, firstHost, ramp, duration, heartbeat, metrics, templates, packages,
                inventoryChangesPerHour, !resendInventory, fanoutAt, finishDelay, outputBytes, sampleEvery, work,
                serverJar, serverJvmOptions, threads, enrollParallelism, inventoryAt);
        Instant date = Instant.now();
        LoadResult result = new LoadRun(settings, System.err).run();
        print(result);
        if (out != null) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("benchmark", "load");
            root.put("date", date.toString());
            root.put("machine", Machine.current());
            Map<String, Object> flags = new LinkedHashMap<>();
            flags.put("agents", agents);
            flags.put("firstHost", firstHost);
            flags.put("rampSeconds", ramp.toSeconds());
            flags.put("durationSeconds", duration.toSeconds());
            flags.put("heartbeatSeconds", heartbeat.toSeconds());
            flags.put("metricsSeconds", metrics.toSeconds());
            flags.put("osTemplates", osTemplates);
            flags.put("packages", packages);
            flags.put("inventoryChangesPerHour", inventoryChangesPerHour);
            flags.put("resendInventory", resendInventory);
            flags.put("inventoryAtSeconds", inventoryAt == null ? null : inventoryAt.toSeconds());
            flags.put("fanoutAtSeconds", fanoutAt.stream().map(Duration::toSeconds).toList());
            flags.put("finishDelayMs", finishDelay.toMillis());
            flags.put("outputBytes", outputBytes);
            flags.put("threads", threads);
            flags.put("serverJvmOptions", serverJvmOptions);
            root.put("settings", flags);
            root.put("result", result);
            JsonReport.write(out, root);
        }
        return result.failures().isEmpty() ? 0 : 1;
    }

    private static void print(LoadResult r) {
        LoadResult.Steady s = r.steady();
        LoadResult.Peaks p = r.peaks();
        System.out.printf("agents %d: all connected after %s, %d connected at the end (max %d)%n", r.agents(),
                r.allConnectedMs() < 0 ? "never" : r.allConnectedMs() + " ms", r.connectedAtEnd(), r.maxConnected());
        System.out.printf("steady %.0f s: heartbeats %.1f/s, round trip p50 %.1f / p95 %.1f / p99 %.1f / max %.1f ms%n",
                s.seconds(), s.heartbeatsPerSecond(), s.rttP50Ms(), s.rttP95Ms(), s.rttP99Ms(), s.rttMaxMs());
        System.out.printf("inventories: %d stored, %.1f/s in the steady state, peak %.1f/s; metric samples %.0f/s "
                + "(%d batches asked to retry)%n", r.inventoriesStored(), s.inventoriesPerSecond(),
                p.inventoriesPerSecond(), s.metricSamplesPerSecond(), r.metricRetries());
        System.out.printf("server: cpu %.0f%%, rss max %d MiB (peak %d), heap max %d MiB; postgres cpu %.0f%% rss "
                        + "%d MiB; generator cpu %.0f%% rss %d MiB%n", s.serverCpuPercent(), p.serverRssMib(),
                p.serverPeakRssMib(), p.serverHeapMib(), s.databaseCpuPercent(), p.databaseRssMib(),
                s.generatorCpuPercent(), p.generatorRssMib());
        for (LoadResult.Fanout f : r.fanouts()) {
            System.out.printf("fan-out at %.0f s: %d runs, %s after %d ms (created in %d ms)%n", f.atSeconds(),
                    f.runs(), f.status(), f.allResultsMs(), f.createdMs());
        }
        System.out.println("errors by kind: " + (r.errorsByKind().isEmpty() ? "none" : r.errorsByKind()));
        r.failures().forEach(f -> System.out.println("FAILED: " + f));
    }
}
