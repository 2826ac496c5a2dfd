package io.octofleet.bench.fanout;

import io.octofleet.bench.sim.RunBehaviour;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How to run a fan-out benchmark, whatever the fleet size.
 *
 * @param serverEnvironment extra OCTOFLEET_* variables for the server
 * @param jobsPerSize jobs fanned out one after another to each fleet (their median is reported)
 * @param poll how often to ask the server whether the job has finished
 * @param timeout the longest any one phase (enroll, connect, a job) may take
 * @param threads the simulated fleet's event loop and callback threads
 * @param settle pause after the fleet is connected and its inventory stored, before the first job
 */
public record FanoutSettings(Path serverJar, List<String> serverJvmOptions, Map<String, String> serverEnvironment,
                             RunBehaviour behaviour, int jobsPerSize, Duration poll, Duration timeout, int threads,
                             int enrollParallelism, Duration settle) {
    /** Every simulated host, and only them: each fleet size gets its own server. */
    static final String TARGET_QUERY = "hostname ~ \"sim-*\"";

    public FanoutSettings {
        serverJvmOptions = List.copyOf(serverJvmOptions);
        serverEnvironment = Map.copyOf(serverEnvironment);
    }
}
