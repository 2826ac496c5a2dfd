package io.octofleet.bench.heartbeat;

import io.octofleet.bench.report.JsonReport;
import io.octofleet.bench.report.Machine;
import io.octofleet.bench.report.Quantiles;
import io.octofleet.bench.server.OctofleetApi;
import io.octofleet.bench.server.ProcessUsage;
import io.octofleet.bench.server.ServerProcess;
import io.octofleet.bench.sim.FleetIdentities;
import io.octofleet.bench.sim.RunBehaviour;
import io.octofleet.bench.sim.SimulatedFleet;
import io.octofleet.agent.session.ServerAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code heartbeats}: how fast the server takes in heartbeats from N connected agents, and what it costs. */
@Command(name = "heartbeats", mixinStandardHelpOptions = true,
        description = {"Starts the packaged server (fresh or kept home per fleet size) with the given heartbeat "
                + "interval, connects N simulated agents (real enrollment, one mutual-TLS session each), waits until "
                + "all are online, then measures for a while: heartbeats acknowledged per second, their round trip "
                + "(p50/p95/p99/max) and the CPU and memory of the server and PostgreSQL.",
                "Prints a table; --out writes JSON."})
public final class HeartbeatCommand implements Callable<Integer> {

    @Option(names = "--agents", split = ",", defaultValue = "1000", description = "Fleet sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> agents;

    @Option(names = "--heartbeat-seconds", defaultValue = "1",
            description = "OCTOFLEET_HEARTBEAT_INTERVAL for the server; below production's 15 s to load it harder "
                    + "(default: ${DEFAULT-VALUE}).")
    int heartbeatSeconds;

    @Option(names = "--measure-seconds", defaultValue = "60", description = "Measurement window (default: ${DEFAULT-VALUE}).")
    int measureSeconds;

    @Option(names = "--settle-seconds", defaultValue = "10", description = "Pause after all are online (default: ${DEFAULT-VALUE}).")
    int settleSeconds;

    @Option(names = "--server-jar", defaultValue = "server/target/octofleet-server.jar",
            description = "The packaged server (default: ${DEFAULT-VALUE}).")
    Path serverJar;

    @Option(names = "--server-jvm-option", description = "A JVM option for the server (repeatable).")
    List<String> serverJvmOptions = new ArrayList<>();

    @Option(names = "--work", required = true,
            description = "Server homes and agent identities per fleet size (n-<N>/); kept, so a rerun skips enrollment.")
    Path work;

    @Option(names = "--out", description = "Write the results as JSON to this file.")
    Path out;

    @Option(names = "--threads", defaultValue = "2", description = "Simulated agents' shared threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--enroll-parallelism", defaultValue = "8", description = "Enrollments at once (default: ${DEFAULT-VALUE}).")
    int enrollParallelism;

    @Override
    public Integer call() throws Exception {
        Instant date = Instant.now();
        List<HeartbeatResult> results = new ArrayList<>();
        for (int n : agents) {
            results.add(measure(n, work.resolve("n-" + n)));
        }
        System.out.printf("%7s %5s %9s %10s %8s %8s %8s %8s %8s %8s %8s %8s %8s %6s%n", "agents", "hb_s", "online_ms",
                "acked/s", "p50_ms", "p95_ms", "p99_ms", "max_ms", "srv_cpu", "pg_cpu", "sim_cpu", "srv_rss", "pg_rss",
                "errors");
        for (HeartbeatResult r : results) {
            System.out.printf("%7d %5d %9d %10.1f %8.2f %8.2f %8.2f %8.2f %7.0f%% %7.0f%% %7.0f%% %6dMi %6dMi %6d%n",
                    r.agents(), r.heartbeatSeconds(), r.connectMs(), r.acknowledgedPerSecond(), r.rttP50Ms(),
                    r.rttP95Ms(), r.rttP99Ms(), r.rttMaxMs(), r.serverCpuPercent(), r.databaseCpuPercent(),
                    r.benchCpuPercent(), r.serverRssMib(), r.databaseRssMib(), r.errors().size());
            r.errors().forEach(e -> System.out.println("error [" + r.agents() + "]: " + e));
        }
        if (out != null) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("benchmark", "heartbeats");
            root.put("date", date.toString());
            root.put("machine", Machine.current());
            root.put("settings", Map.of("heartbeatSeconds", heartbeatSeconds, "measureSeconds", measureSeconds,
                    "settleSeconds", settleSeconds, "threads", threads, "serverJvmOptions", serverJvmOptions));
            root.put("results", results);
            JsonReport.write(out, root);
        }
        return results.stream().allMatch(r -> r.errors().isEmpty()) ? 0 : 1;
    }

    private HeartbeatResult measure(int n, Path directory) throws Exception {
        List<String> errors = new ArrayList<>();
        Map<String, String> environment = Map.of("OCTOFLEET_HEARTBEAT_INTERVAL", heartbeatSeconds + "s");
        try (ServerProcess server = ServerProcess.start(serverJar, directory.resolve("home"), serverJvmOptions,
                environment, Duration.ofMinutes(3))) {
            System.err.printf("[%d] server up in %d ms (pid %d)%n", n, server.startup().toMillis(), server.pid());
            OctofleetApi api = new OctofleetApi(server::uri);
            api.login("admin", server.adminPassword());
            FleetIdentities identities = new FleetIdentities(directory.resolve("identities"));
            long began = System.nanoTime();
            boolean enrolling = identities.missing(n) > 0;
            List<FleetIdentities.Member> members = identities.loadOrEnroll(n, api.joinStrings(Duration.ofHours(2)),
                    enrollParallelism);
            long enrollMs = enrolling ? (System.nanoTime() - began) / 1_000_000 : -1;
            try (SimulatedFleet fleet = new SimulatedFleet(threads, RunBehaviour.withOutput(Duration.ZERO, 0))) {
                began = System.nanoTime();
                // Kept identities remember the gRPC port of the run that enrolled them; this server has its own.
                ServerAddress here = new ServerAddress("127.0.0.1", server.grpcPort());
                for (FleetIdentities.Member member : members) {
                    fleet.start(member.at(here));
                }
                if (!SimulatedFleet.await(() -> fleet.connected() >= n, Duration.ofMinutes(15), Duration.ofMillis(100))) {
                    errors.add("only " + fleet.connected() + " of " + n + " connected");
                }
                long connectMs = (System.nanoTime() - began) / 1_000_000;
                System.err.printf("[%d] all connected in %d ms; settling %d s%n", n, connectMs, settleSeconds);
                Thread.sleep(settleSeconds * 1000L);
                fleet.takeHeartbeatRtts();
                long ackedBefore = fleet.heartbeatsAcked();
                long lostBefore = fleet.sessionsLost();
                ProcessUsage serverBefore = server.usage();
                ProcessUsage databaseBefore = server.databaseUsage();
                ProcessUsage benchBefore = ProcessUsage.of(ProcessHandle.current().pid());
                long windowStart = System.nanoTime();
                Thread.sleep(measureSeconds * 1000L);
                double seconds = (System.nanoTime() - windowStart) / 1e9;
                ProcessUsage serverAfter = server.usage();
                ProcessUsage databaseAfter = server.databaseUsage();
                ProcessUsage benchAfter = ProcessUsage.of(ProcessHandle.current().pid());
                long acked = fleet.heartbeatsAcked() - ackedBefore;
                long[] rtts = fleet.takeHeartbeatRtts();
                Arrays.sort(rtts);
                long lost = fleet.sessionsLost() - lostBefore;
                if (lost > 0) {
                    errors.add(lost + " sessions lost during the window; first problems: " + fleet.problems());
                }
                return new HeartbeatResult(n, heartbeatSeconds, enrollMs, connectMs, measureSeconds, acked,
                        acked / seconds, Quantiles.ms(rtts, 0.50), Quantiles.ms(rtts, 0.95),
                        Quantiles.ms(rtts, 0.99), Quantiles.ms(rtts, 1.0),
                        percent(serverAfter.cpuMillis() - serverBefore.cpuMillis(), seconds),
                        percent(databaseAfter.cpuMillis() - databaseBefore.cpuMillis(), seconds),
                        percent(benchAfter.cpuMillis() - benchBefore.cpuMillis(), seconds),
                        serverAfter.rssMib(), databaseAfter.rssMib(), lost, errors);
            }
        }
    }

    private static double percent(long cpuMillis, double seconds) {
        return 100.0 * cpuMillis / 1000.0 / seconds;
    }
}
