package io.octofleet.bench.fanout;

import com.google.gson.JsonObject;
import io.octofleet.agent.session.EnrollmentFailedException;
import io.octofleet.bench.report.Machine;
import io.octofleet.bench.server.JobProgress;
import io.octofleet.bench.server.OctofleetApi;
import io.octofleet.bench.server.ProcessUsage;
import io.octofleet.bench.server.ServerProcess;
import io.octofleet.agent.session.ServerAddress;
import io.octofleet.bench.sim.FleetIdentities;
import io.octofleet.bench.sim.SimulatedFleet;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One fleet size, start to end: its own server (home and identities under {@code directory}, so a second run with
 * the same directory skips enrollment), enroll, connect, then the jobs one after another, then stop everything.
 */
final class FanoutRun {
    private static final Duration CONNECT_POLL = Duration.ofMillis(50);
    /** How long to keep polling for the job's own status once every run is final. */
    private static final Duration STATUS_LAG_LIMIT = Duration.ofSeconds(30);

    private final FanoutSettings settings;
    private final PrintStream progress;

    FanoutRun(FanoutSettings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    FanoutResult measure(int agents, Path directory) throws InterruptedException {
        List<String> errors = new ArrayList<>();
        List<FanoutResult.Job> jobs = new ArrayList<>();
        long serverStartMs = -1;
        long enrollMs = -1;
        int enrolled = 0;
        long connectMs = -1;
        ProcessUsage server = ProcessUsage.NONE;
        ProcessUsage database = ProcessUsage.NONE;
        try (ServerProcess process = ServerProcess.start(settings.serverJar(), directory.resolve("home"),
                settings.serverJvmOptions(), settings.serverEnvironment(), Duration.ofMinutes(3))) {
            serverStartMs = process.startup().toMillis();
            progress.printf("[%d] server up in %d ms (pid %d, log %s)%n", agents, serverStartMs, process.pid(),
                    process.log());
            OctofleetApi api = new OctofleetApi(process::uri);
            api.login("admin", process.adminPassword());

            FleetIdentities identities = new FleetIdentities(directory.resolve("identities"));
            enrolled = identities.missing(agents);
            long began = System.nanoTime();
            List<FleetIdentities.Member> members = identities.loadOrEnroll(agents, api.joinStrings(Duration.ofHours(2)),
                    settings.enrollParallelism());
            if (enrolled > 0) {
                enrollMs = millisSince(began);
                progress.printf("[%d] enrolled %d agents in %d ms%n", agents, enrolled, enrollMs);
            }

            try (SimulatedFleet fleet = new SimulatedFleet(settings.threads(), settings.behaviour())) {
                began = System.nanoTime();
                ServerAddress here = new ServerAddress("127.0.0.1", process.grpcPort()); // kept identities: old port
                for (FleetIdentities.Member member : members) {
                    fleet.start(member.at(here));
                }
                if (!SimulatedFleet.await(() -> online(api) >= agents, settings.timeout(), CONNECT_POLL)) {
                    errors.add("only " + online(api) + " of " + agents + " nodes online after "
                            + settings.timeout().toSeconds() + " s");
                    return result(agents, serverStartMs, enrolled, enrollMs, connectMs, jobs, process, errors, fleet);
                }
                connectMs = millisSince(began);
                progress.printf("[%d] all online in %d ms%n", agents, connectMs);
                if (!SimulatedFleet.await(() -> fleet.inventoriesStored() >= agents, settings.timeout(), CONNECT_POLL)) {
                    errors.add("only " + fleet.inventoriesStored() + " of " + agents + " inventories stored");
                }
                Thread.sleep(settings.settle().toMillis());

                for (int i = 1; i <= settings.jobsPerSize(); i++) {
                    FanoutResult.Job job = fanOut(api, process, fleet, agents);
                    jobs.add(job);
                    progress.printf("[%d] job %d/%d: all results recorded in %d ms (%s, %s)%n", agents, i,
                            settings.jobsPerSize(), job.allResultsMs(), job.status(), job.counts());
                    if (job.allResultsMs() < 0) {
                        errors.add("job " + job.id() + " not finished after " + settings.timeout().toSeconds() + " s: "
                                + job.counts());
                        break;
                    }
                    if (job.counts().getOrDefault("succeeded", 0L) != agents) {
                        errors.add("job " + job.id() + " ended " + job.status() + ": " + job.counts());
                    }
                    Thread.sleep(1000);
                }
                return result(agents, serverStartMs, enrolled, enrollMs, connectMs, jobs, process, errors, fleet);
            }
        } catch (IOException | EnrollmentFailedException | RuntimeException e) {
            errors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
            return new FanoutResult(agents, serverStartMs, enrolled, enrollMs, connectMs, jobs, median(jobs),
                    server.rssMib(), server.peakRssMib(), database.rssMib(), benchUsage().rssMib(), errors);
        }
    }

    private FanoutResult.Job fanOut(OctofleetApi api, ServerProcess process, SimulatedFleet fleet, int agents)
            throws IOException, InterruptedException {
        long recordedBefore = fleet.runsRecorded();
        ProcessUsage serverBefore = process.usage();
        ProcessUsage databaseBefore = process.databaseUsage();
        ProcessUsage benchBefore = benchUsage();
        double load = Machine.loadAverage();
        long began = System.nanoTime();
        String id = api.createJob(jobJson("bench fan-out of true to " + agents));
        long createMs = millisSince(began);
        long agentsAckedMs = -1;
        long allResultsMs = -1;
        int polls = 0;
        JobProgress progress;
        long deadline = began + settings.timeout().toNanos();
        while (true) {
            progress = api.job(id);
            polls++;
            long now = System.nanoTime();
            if (agentsAckedMs < 0 && fleet.runsRecorded() - recordedBefore >= agents) {
                agentsAckedMs = (now - began) / 1_000_000;
            }
            if (progress.done()) {
                allResultsMs = (now - began) / 1_000_000;
                break;
            }
            if (now > deadline) {
                break;
            }
            Thread.sleep(settings.poll().toMillis());
        }
        // The agents learn of the last RunAck after the server recorded it; give them a moment to say so.
        if (agentsAckedMs < 0 && SimulatedFleet.await(() -> fleet.runsRecorded() - recordedBefore >= agents,
                Duration.ofSeconds(5), Duration.ofMillis(5))) {
            agentsAckedMs = millisSince(began);
        }
        long statusFinalMs = -1;
        long statusDeadline = System.nanoTime() + STATUS_LAG_LIMIT.toNanos();
        while (allResultsMs >= 0) {
            if (!progress.status().equals("running")) {
                statusFinalMs = millisSince(began);
                break;
            }
            if (System.nanoTime() > statusDeadline) {
                break;
            }
            Thread.sleep(settings.poll().toMillis());
            progress = api.job(id);
        }
        ProcessUsage serverAfter = process.usage();
        ProcessUsage databaseAfter = process.databaseUsage();
        ProcessUsage benchAfter = benchUsage();
        return new FanoutResult.Job(id, createMs, allResultsMs, agentsAckedMs, statusFinalMs, polls, progress.status(),
                progress.counts(), load, serverAfter.cpuMillis() - serverBefore.cpuMillis(),
                databaseAfter.cpuMillis() - databaseBefore.cpuMillis(),
                benchAfter.cpuMillis() - benchBefore.cpuMillis());
    }

    /** {@code sh -c true} on every simulated host; they answer without running anything, see RunBehaviour. */
    static String jobJson(String name) {
        JsonObject targets = new JsonObject();
        targets.addProperty("query", FanoutSettings.TARGET_QUERY);
        JsonObject job = new JsonObject();
        job.addProperty("name", name);
        job.addProperty("kind", "shell");
        job.addProperty("script", "true");
        job.add("targets", targets);
        return job.toString();
    }

    private FanoutResult result(int agents, long serverStartMs, int enrolled, long enrollMs, long connectMs,
                                List<FanoutResult.Job> jobs, ServerProcess process, List<String> errors,
                                SimulatedFleet fleet) throws IOException {
        ProcessUsage server = process.usage();
        ProcessUsage database = process.databaseUsage();
        if (fleet.sessionsLost() > 0 || fleet.connectFailures() > 0) {
            errors.add(fleet.sessionsLost() + " sessions lost, " + fleet.connectFailures()
                    + " connection attempts failed; first ones: " + fleet.problems());
        } else if (!fleet.problems().isEmpty()) {
            errors.add("agent problems: " + fleet.problems());
        }
        return new FanoutResult(agents, serverStartMs, enrolled, enrollMs, connectMs, List.copyOf(jobs),
                median(jobs), server.rssMib(), server.peakRssMib(), database.rssMib(), benchUsage().rssMib(),
                List.copyOf(errors));
    }

    static long median(List<FanoutResult.Job> jobs) {
        long[] times = jobs.stream().mapToLong(FanoutResult.Job::allResultsMs).filter(t -> t >= 0).sorted().toArray();
        if (times.length == 0) {
            return -1;
        }
        int mid = times.length / 2;
        return times.length % 2 == 1 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
    }

    private static long online(OctofleetApi api) {
        try {
            return api.onlineNodes();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static ProcessUsage benchUsage() {
        try {
            return ProcessUsage.of(ProcessHandle.current().pid());
        } catch (IOException e) {
            return ProcessUsage.NONE;
        }
    }

    private static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }
}
