package io.octofleet.bench.load;

import com.google.gson.JsonObject;
import io.octofleet.agent.session.ServerAddress;
import io.octofleet.bench.report.Quantiles;
import io.octofleet.bench.server.JobProgress;
import io.octofleet.bench.server.OctofleetApi;
import io.octofleet.bench.server.ProcessUsage;
import io.octofleet.bench.server.ServerProcess;
import io.octofleet.bench.sim.FleetIdentities;
import io.octofleet.bench.sim.HostTemplate;
import io.octofleet.bench.sim.RunBehaviour;
import io.octofleet.bench.sim.SimulatedAgent;
import io.octofleet.bench.sim.SimulatedFleet;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One load run against the packaged server, unmodified and with its production configuration apart from the two
 * intervals the settings name: start it on {@code work/home}, enroll what {@code work/identities} lacks, start the
 * agents evenly over the ramp, hold the steady state (running the fan-outs at their offsets), sampling all along.
 */
public final class LoadRun {
    /** Selects the simulated hosts that are connected now, so offline enrolled ones do not hold a job open. */
    static final String ONLINE_SIMULATED = "hostname ~ \"sim-*\" and status = \"online\"";
    private static final Duration FANOUT_LIMIT = Duration.ofMinutes(5);

    private final LoadSettings settings;
    private final PrintStream log;

    public LoadRun(LoadSettings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    public LoadResult run() throws Exception {
        List<String> failures = new ArrayList<>();
        Map<String, String> environment = Map.of(
                "OCTOFLEET_HEARTBEAT_INTERVAL", DurationConverter.forServer(settings.heartbeat()),
                "OCTOFLEET_METRICS_INTERVAL", DurationConverter.forServer(settings.metrics()));
        try (ServerProcess server = ServerProcess.start(settings.serverJar(), settings.work().resolve("home"),
                settings.serverJvmOptions(), environment, Duration.ofMinutes(5))) {
            log.printf("server up in %d ms (pid %d, log %s)%n", server.startup().toMillis(), server.pid(),
                    server.log());
            OctofleetApi api = new OctofleetApi(server::uri);
            api.login("admin", server.adminPassword());
            FleetIdentities identities = new FleetIdentities(settings.work().resolve("identities"));
            int missing = identities.missing(settings.firstHost(), settings.agents());
            long began = System.nanoTime();
            if (missing > 0) {
                log.printf("enrolling %d hosts%n", missing);
            }
            List<FleetIdentities.Member> members = identities.loadOrEnroll(settings.firstHost(), settings.agents(),
                    api.joinStrings(Duration.ofHours(24)), settings.enrollParallelism());
            long enrollMs = (System.nanoTime() - began) / 1_000_000;
            log.printf("%d identities ready in %d ms (%d enrolled now)%n", members.size(), enrollMs, missing);
            try (SimulatedFleet fleet = new SimulatedFleet(settings.threads(),
                    RunBehaviour.withOutput(settings.finishDelay(), settings.outputBytes()))) {
                return drive(server, api, members, fleet, missing, enrollMs, failures);
            }
        }
    }

    private LoadResult drive(ServerProcess server, OctofleetApi api, List<FleetIdentities.Member> members,
                             SimulatedFleet fleet, int enrolled, long enrollMs, List<String> failures)
            throws Exception {
        ServerAddress here = new ServerAddress("127.0.0.1", server.grpcPort());
        Sampler sampler = new Sampler(server, api, fleet);
        ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "load-sampler");
            t.setDaemon(true);
            return t;
        });
        long start = System.nanoTime();
        sampler.begin(start);
        sampling.scheduleAtFixedRate(sampler::sample, settings.sampleEvery().toMillis(),
                settings.sampleEvery().toMillis(), TimeUnit.MILLISECONDS);
        long allConnectedMs = -1;
        java.util.concurrent.CompletableFuture<Void> inventoryGate =
                settings.inventoryAt() == null ? null : new java.util.concurrent.CompletableFuture<>();
        try {
            long rampNanos = settings.ramp().toNanos();
            for (int i = 0; i < members.size(); i++) {
                long due = start + rampNanos * i / members.size();
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                FleetIdentities.Member member = members.get(i);
                HostTemplate template = HostTemplate.pick(settings.templates(), member.index());
                HostTemplate.Host host = template.host(member.hostname(), member.index(), settings.packages());
                fleet.start(member.at(here), SimulatedAgent.Profile.of(host, settings.helloWithFingerprint(),
                        settings.inventoryChangesPerHour(), inventoryGate));
                if (allConnectedMs < 0 && fleet.connected() >= members.size()) {
                    allConnectedMs = (System.nanoTime() - start) / 1_000_000;
                }
            }
            long steadyStart = System.nanoTime();
            sampler.steady(steadyStart);
            log.printf("ramp done: %d started, %d connected%n", members.size(), fleet.connected());
            List<LoadResult.Fanout> fanouts = new ArrayList<>();
            long end = steadyStart + settings.duration().toNanos();
            List<Duration> offsets = settings.fanoutAt().stream().sorted().toList();
            int nextFanout = 0;
            long burstFrom = -1;
            long burstStoredBefore = 0;
            long burstLastStored = -1;
            long burstStored = 0;
            while (System.nanoTime() < end) {
                if (inventoryGate != null) {
                    long now = System.nanoTime();
                    if (burstFrom < 0 && now >= steadyStart + settings.inventoryAt().toNanos()) {
                        burstFrom = now;
                        burstStoredBefore = fleet.inventoriesStored();
                        log.printf("letting the held inventory reports go%n");
                        inventoryGate.complete(null);
                    } else if (burstFrom >= 0 && fleet.inventoriesStored() - burstStoredBefore > burstStored) {
                        burstStored = fleet.inventoriesStored() - burstStoredBefore;
                        burstLastStored = now;
                    }
                }
                if (allConnectedMs < 0 && fleet.connected() >= members.size()) {
                    allConnectedMs = (System.nanoTime() - start) / 1_000_000;
                }
                if (nextFanout < offsets.size()
                        && System.nanoTime() >= steadyStart + offsets.get(nextFanout).toNanos()) {
                    nextFanout++;
                    fanouts.add(fanout(api, (System.nanoTime() - start) / 1e9, failures));
                    continue;
                }
                Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            }
            LoadResult.InventoryBurst burst = null;
            if (burstFrom >= 0) {
                long ms = burstLastStored < 0 ? 0 : (burstLastStored - burstFrom) / 1_000_000;
                burst = new LoadResult.InventoryBurst((burstFrom - start) / 1e9, burstStored, ms,
                        ms == 0 ? 0 : burstStored * 1000.0 / ms);
                log.printf("inventory burst: %d reports stored in %d ms (%.1f/s)%n", burstStored, ms,
                        burst.reportsPerSecond());
            } else if (inventoryGate != null) {
                inventoryGate.complete(null);
            }
            sampler.end(System.nanoTime());
            sampling.shutdown();
            sampling.awaitTermination(30, TimeUnit.SECONDS);
            int connectedAtEnd = fleet.connected();
            if (connectedAtEnd < members.size()) {
                failures.add("only " + connectedAtEnd + " of " + members.size() + " agents connected at the end");
            }
            return new LoadResult(members.size(), server.startup().toMillis(), enrolled, enrolled > 0 ? enrollMs : -1,
                    allConnectedMs, connectedAtEnd, sampler.maxConnected, List.copyOf(sampler.timeline), fanouts,
                    sampler.steadyFigures(), fleet.inventoriesStored(), fleet.metricSamplesStored(),
                    fleet.metricRetries(), fleet.errorsByKind(), fleet.problems(), sampler.peaks(server), burst,
                    List.copyOf(failures));
        } finally {
            sampling.shutdownNow();
        }
    }

    private LoadResult.Fanout fanout(OctofleetApi api, double atSeconds, List<String> failures)
            throws IOException, InterruptedException {
        JsonObject targets = new JsonObject();
        targets.addProperty("query", ONLINE_SIMULATED);
        JsonObject job = new JsonObject();
        job.addProperty("name", "load: true on every connected agent");
        job.addProperty("kind", "shell");
        job.addProperty("script", "true");
        job.add("targets", targets);
        long began = System.nanoTime();
        String id = api.createJob(job.toString());
        long createdMs = (System.nanoTime() - began) / 1_000_000;
        JobProgress progress = api.job(id);
        long deadline = began + FANOUT_LIMIT.toNanos();
        while (!progress.done() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            progress = api.job(id);
        }
        long ms = progress.done() ? (System.nanoTime() - began) / 1_000_000 : -1;
        // The job's own status follows its runs' a moment later (the engine's next progress step).
        long statusDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (ms >= 0 && progress.status().equals("running") && System.nanoTime() < statusDeadline) {
            Thread.sleep(20);
            progress = api.job(id);
        }
        if (ms < 0) {
            failures.add("fan-out " + id + " not done after " + FANOUT_LIMIT.toMinutes() + " min: " + progress.counts());
        } else if (progress.unsuccessful() > 0) {
            failures.add("fan-out " + id + ": " + progress.unsuccessful() + " runs did not succeed: " + progress.counts());
        }
        log.printf("fan-out to %d agents: %s in %d ms (the job was created in %d ms)%n", progress.count("total"),
                progress.status(), ms, createdMs);
        return new LoadResult.Fanout(atSeconds, id, progress.count("total"), createdMs, ms, progress.unsuccessful(),
                progress.status());
    }

    /** Takes a {@link LoadResult.Sample} every interval, and keeps what the steady figures need. */
    private final class Sampler {
        private final ServerProcess server;
        private final OctofleetApi api;
        private final SimulatedFleet fleet;
        final List<LoadResult.Sample> timeline = new ArrayList<>();
        int maxConnected;
        private long start;
        private volatile long steadyStart = -1;
        private long lastAt;
        private long lastHeartbeats;
        private long lastInventories;
        private long lastSamples;
        private ProcessUsage lastServer = ProcessUsage.NONE;
        private ProcessUsage lastDatabase = ProcessUsage.NONE;
        private ProcessUsage lastGenerator = ProcessUsage.NONE;
        private long[] steadyRtts = new long[4096];
        private int steadyRttCount;
        private Mark steadyFrom;
        private Mark steadyTo;
        private long maxServerRss;
        private long maxHeap;
        private long maxDatabaseRss;
        private long maxGeneratorRss;
        private double maxInventoriesPerSecond;

        /** Counters at one moment, for the steady state's rates. */
        private record Mark(long at, long heartbeats, long inventories, long samples, ProcessUsage server,
                            ProcessUsage database, ProcessUsage generator) {
        }

        Sampler(ServerProcess server, OctofleetApi api, SimulatedFleet fleet) {
            this.server = server;
            this.api = api;
            this.fleet = fleet;
        }

        synchronized void begin(long at) throws IOException {
            start = at;
            lastAt = at;
            lastServer = server.usage();
            lastDatabase = server.databaseUsage();
            lastGenerator = generator();
        }

        synchronized void steady(long at) throws IOException {
            sample(); // closes the ramp's last window
            fleet.takeHeartbeatRtts();
            steadyStart = at;
            steadyFrom = mark(at);
        }

        synchronized void end(long at) throws IOException {
            sample();
            steadyTo = mark(at);
        }

        private Mark mark(long at) throws IOException {
            return new Mark(at, fleet.heartbeatsAcked(), fleet.inventoriesStored(), fleet.metricSamplesStored(),
                    server.usage(), server.databaseUsage(), generator());
        }

        synchronized void sample() {
            try {
                long now = System.nanoTime();
                double seconds = Math.max(1e-3, (now - lastAt) / 1e9);
                long heartbeats = fleet.heartbeatsAcked();
                long inventories = fleet.inventoriesStored();
                long samples = fleet.metricSamplesStored();
                long[] rtts = fleet.takeHeartbeatRtts();
                Arrays.sort(rtts);
                boolean steadyNow = steadyStart >= 0;
                if (steadyNow) {
                    if (steadyRttCount + rtts.length > steadyRtts.length) {
                        steadyRtts = Arrays.copyOf(steadyRtts, Math.max(steadyRtts.length * 2,
                                steadyRttCount + rtts.length));
                    }
                    System.arraycopy(rtts, 0, steadyRtts, steadyRttCount, rtts.length);
                    steadyRttCount += rtts.length;
                }
                ProcessUsage serverNow = server.usage();
                ProcessUsage databaseNow = server.databaseUsage();
                ProcessUsage generatorNow = generator();
                long heapMib = -1;
                try {
                    heapMib = api.serverHeapUsedBytes() >> 20;
                } catch (IOException unavailable) {
                    // the server is too busy to answer within the timeout: the sample says -1
                }
                int connected = fleet.connected();
                maxConnected = Math.max(maxConnected, connected);
                double inventoriesPerSecond = (inventories - lastInventories) / seconds;
                LoadResult.Sample sample = new LoadResult.Sample(round((now - start) / 1e9),
                        steadyNow ? "steady" : "ramp", connected,
                        round((heartbeats - lastHeartbeats) / seconds),
                        Quantiles.ms(rtts, 0.5), Quantiles.ms(rtts, 0.99),
                        round(inventoriesPerSecond), round((samples - lastSamples) / seconds),
                        percent(serverNow.cpuMillis() - lastServer.cpuMillis(), seconds), serverNow.rssMib(), heapMib,
                        percent(databaseNow.cpuMillis() - lastDatabase.cpuMillis(), seconds), databaseNow.rssMib(),
                        percent(generatorNow.cpuMillis() - lastGenerator.cpuMillis(), seconds),
                        generatorNow.rssMib(),
                        fleet.errorsByKind().values().stream().mapToLong(Long::longValue).sum());
                timeline.add(sample);
                log.printf("t=%6.1fs %-6s connected %6d  hb/s %7.1f  rtt p50 %6.1f p99 %6.1f ms  inv/s %6.1f  "
                                + "samples/s %8.0f  server cpu %4.0f%% rss %5d MiB heap %5d MiB  pg cpu %4.0f%%  "
                                + "gen cpu %4.0f%% rss %5d MiB  errors %d%n",
                        sample.atSeconds(), sample.phase(), connected, sample.heartbeatsPerSecond(),
                        sample.rttP50Ms(), sample.rttP99Ms(), sample.inventoriesPerSecond(),
                        sample.metricSamplesPerSecond(), sample.serverCpuPercent(), sample.serverRssMib(), heapMib,
                        sample.databaseCpuPercent(), sample.generatorCpuPercent(), sample.generatorRssMib(),
                        sample.errors());
                maxServerRss = Math.max(maxServerRss, serverNow.rssMib());
                maxHeap = Math.max(maxHeap, heapMib);
                maxDatabaseRss = Math.max(maxDatabaseRss, databaseNow.rssMib());
                maxGeneratorRss = Math.max(maxGeneratorRss, generatorNow.rssMib());
                maxInventoriesPerSecond = Math.max(maxInventoriesPerSecond, inventoriesPerSecond);
                lastAt = now;
                lastHeartbeats = heartbeats;
                lastInventories = inventories;
                lastSamples = samples;
                lastServer = serverNow;
                lastDatabase = databaseNow;
                lastGenerator = generatorNow;
            } catch (IOException | InterruptedException | RuntimeException e) {
                log.println("sampling failed: " + e);
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        synchronized LoadResult.Steady steadyFigures() {
            long[] rtts = Arrays.copyOf(steadyRtts, steadyRttCount);
            Arrays.sort(rtts);
            double seconds = Math.max(1e-3, (steadyTo.at - steadyFrom.at) / 1e9);
            return new LoadResult.Steady(round(seconds), steadyTo.heartbeats - steadyFrom.heartbeats,
                    round((steadyTo.heartbeats - steadyFrom.heartbeats) / seconds),
                    Quantiles.ms(rtts, 0.5), Quantiles.ms(rtts, 0.95),
                    Quantiles.ms(rtts, 0.99), Quantiles.ms(rtts, 1.0),
                    round((steadyTo.inventories - steadyFrom.inventories) / seconds),
                    round((steadyTo.samples - steadyFrom.samples) / seconds),
                    percent(steadyTo.server.cpuMillis() - steadyFrom.server.cpuMillis(), seconds),
                    percent(steadyTo.database.cpuMillis() - steadyFrom.database.cpuMillis(), seconds),
                    percent(steadyTo.generator.cpuMillis() - steadyFrom.generator.cpuMillis(), seconds));
        }

        synchronized LoadResult.Peaks peaks(ServerProcess process) throws IOException {
            return new LoadResult.Peaks(maxServerRss, process.usage().peakRssMib(), maxHeap, maxDatabaseRss,
                    maxGeneratorRss, round(maxInventoriesPerSecond));
        }

        private ProcessUsage generator() throws IOException {
            return ProcessUsage.of(ProcessHandle.current().pid());
        }
    }

    private static double percent(long cpuMillis, double seconds) {
        return round(100.0 * cpuMillis / 1000.0 / seconds);
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
