package io.octofleet.bench.load;

import io.octofleet.bench.sim.HostTemplate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One load run.
 *
 * @param firstHost the fleet is hosts sim-{firstHost} to sim-{firstHost + agents - 1}
 * @param ramp agents are started evenly over this
 * @param duration the steady state after the ramp
 * @param heartbeat the server's heartbeat interval (its production default is 15 s)
 * @param metrics the server's metric sampling interval for agents (production default 15 s)
 * @param packages a fixed package count per host, or 0 for each template's range
 * @param fanoutAt offsets into the steady state at which {@code true} is run on every connected agent
 * @param inventoryAt when not null, the offset into the steady state until which every report the server asks for
 *                    is held, so that all are sent at once and their store rate is measured apart from the connect rate
 */
public record LoadSettings(int agents, int firstHost, Duration ramp, Duration duration, Duration heartbeat, Duration metrics,
                           Map<HostTemplate, Integer> templates, int packages, double inventoryChangesPerHour,
                           boolean helloWithFingerprint, List<Duration> fanoutAt, Duration finishDelay,
                           int outputBytes, Duration sampleEvery, Path work, Path serverJar,
                           List<String> serverJvmOptions, int threads, int enrollParallelism,
                           Duration inventoryAt) {
    public LoadSettings {
        if (agents < 1 || firstHost < 1) {
            throw new IllegalArgumentException("--agents and --first-host must be at least 1");
        }
        if (ramp.isNegative() || duration.isNegative()) {
            throw new IllegalArgumentException("--ramp and --duration must not be negative");
        }
        if (sampleEvery.toMillis() < 100) {
            throw new IllegalArgumentException("--sample must be at least 100ms");
        }
        for (Duration at : fanoutAt) {
            if (at.compareTo(duration) > 0) {
                throw new IllegalArgumentException("--fanout-at " + at.toSeconds() + "s is after the end of --duration "
                        + duration.toSeconds() + "s");
            }
        }
        if (inventoryAt != null && (inventoryAt.isNegative() || inventoryAt.compareTo(duration) > 0)) {
            throw new IllegalArgumentException("--inventory-at must lie within --duration");
        }
        DurationConverter.forServer(heartbeat);
        DurationConverter.forServer(metrics);
        templates = Map.copyOf(templates);
        fanoutAt = List.copyOf(fanoutAt);
        serverJvmOptions = List.copyOf(serverJvmOptions);
    }
}
