package io.octofleet.bench.fanout;

import io.octofleet.bench.report.Machine;
import io.octofleet.bench.sim.RunBehaviour;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code fanout}: time from creating a job of {@code true} until every agent's result is recorded. */
@Command(name = "fanout", mixinStandardHelpOptions = true,
        description = {"Starts the packaged server on a fresh home per fleet size, enrolls that many simulated agents "
                + "(real protocol, one mutual-TLS connection each), waits until all are online, then creates "
                + "shell jobs running 'true' on all of them and measures the wall time from the POST until "
                + "GET /api/v1/jobs/{id} shows every run final.",
                "Prints a table; --out writes JSON."})
public final class FanoutCommand implements Callable<Integer> {
    @Option(names = "--agents", split = ",", defaultValue = "10,100,1000",
            description = "Fleet sizes, each with its own server (default: ${DEFAULT-VALUE}).")
    List<Integer> agents;

    @Option(names = "--jobs", defaultValue = "3",
            description = "Jobs per fleet size, one after another; the median is reported (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--server-jar", defaultValue = "server/target/octofleet-server.jar",
            description = "The packaged server (default: ${DEFAULT-VALUE}).")
    Path serverJar;

    @Option(names = "--server-jvm-option", description = "A JVM option for the server, e.g. -Xmx1g (repeatable).")
    List<String> serverJvmOptions = new ArrayList<>();

    @Option(names = "--heartbeat-seconds", description = "OCTOFLEET_HEARTBEAT_INTERVAL for the server (default: the "
            + "server's own, 15 s).")
    Integer heartbeatSeconds;

    @Option(names = "--work", description = "Where server homes, identities and logs go (per fleet size: n-<N>/). "
            + "Kept, and reused by the next run, which then skips enrollment. Default: a temporary directory, "
            + "deleted at the end.")
    Path work;

    @Option(names = "--out", description = "Write the results as JSON to this file.")
    Path out;

    @Option(names = "--finish-delay-ms", defaultValue = "0",
            description = "How long a simulated run takes between its output and its finish (default: ${DEFAULT-VALUE}).")
    long finishDelayMs;

    @Option(names = "--output-bytes", defaultValue = "0",
            description = "Bytes of stdout each simulated run reports, at most 65536 (default: ${DEFAULT-VALUE}).")
    int outputBytes;

    @Option(names = "--poll-ms", defaultValue = "50",
            description = "How often to poll GET /api/v1/jobs/{id} (default: ${DEFAULT-VALUE}).")
    long pollMs;

    @Option(names = "--timeout-seconds", defaultValue = "900",
            description = "Limit for each phase: enrollment, connecting, one job (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--threads", defaultValue = "2",
            description = "Event loop and callback threads shared by all simulated agents (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--enroll-parallelism", defaultValue = "8",
            description = "Enrollments in flight at once (default: ${DEFAULT-VALUE}).")
    int enrollParallelism;

    @Option(names = "--settle-seconds", defaultValue = "3",
            description = "Pause after all agents are online and their inventories stored (default: ${DEFAULT-VALUE}).")
    long settleSeconds;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Map<String, String> environment = new LinkedHashMap<>();
        if (heartbeatSeconds != null) {
            environment.put("OCTOFLEET_HEARTBEAT_INTERVAL", heartbeatSeconds + "s");
        }
        FanoutSettings settings = new FanoutSettings(serverJar, serverJvmOptions, environment,
                RunBehaviour.withOutput(Duration.ofMillis(finishDelayMs), outputBytes), jobs,
                Duration.ofMillis(pollMs), Duration.ofSeconds(timeoutSeconds), threads, enrollParallelism,
                Duration.ofSeconds(settleSeconds));
        boolean temporary = work == null;
        Path root = temporary ? Files.createTempDirectory("octofleet-fanout") : work;
        Instant date = Instant.now();
        List<FanoutResult> results = new ArrayList<>();
        try {
            FanoutRun run = new FanoutRun(settings, System.err);
            for (int n : agents) {
                results.add(run.measure(n, root.resolve("n-" + n)));
            }
        } finally {
            if (temporary) {
                deleteTree(root);
            }
        }
        FanoutReport report = new FanoutReport(date, Machine.current(), describe(settings), results);
        System.out.print(report.table());
        if (out != null) {
            report.writeJson(out);
            System.err.println("wrote " + out);
        }
        return results.stream().allMatch(r -> r.errors().isEmpty()) ? 0 : 1;
    }

    private Map<String, Object> describe(FanoutSettings settings) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("jobsPerSize", settings.jobsPerSize());
        described.put("targets", FanoutSettings.TARGET_QUERY);
        described.put("script", "true");
        described.put("finishDelayMs", finishDelayMs);
        described.put("outputBytes", outputBytes);
        described.put("pollMs", pollMs);
        described.put("threads", threads);
        described.put("enrollParallelism", enrollParallelism);
        described.put("serverJvmOptions", settings.serverJvmOptions());
        described.put("serverEnvironment", settings.serverEnvironment());
        return described;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
