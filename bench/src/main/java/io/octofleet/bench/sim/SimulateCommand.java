package io.octofleet.bench.sim;

import io.octofleet.agent.identity.JoinString;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code simulate}: N simulated agents against a running server, until interrupted. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Connects simulated agents to a running server and keeps them connected (answering jobs) "
                + "until Ctrl-C. Identities are kept in --identities, so a rerun skips enrollment.")
public final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--agents", required = true, description = "How many agents.")
    int agents;

    @Option(names = "--identities", required = true, description = "One agent state directory per host in here.")
    Path identities;

    @Option(names = "--join", description = "Join string with enough uses (octofleet://TOKEN@host:port/sha256:PIN); "
            + "needed only for hosts without an identity yet.")
    String join;

    @Option(names = "--finish-delay-ms", defaultValue = "0", description = "Run time of every job (default: ${DEFAULT-VALUE}).")
    long finishDelayMs;

    @Option(names = "--output-bytes", defaultValue = "0", description = "Stdout bytes per run (default: ${DEFAULT-VALUE}).")
    int outputBytes;

    @Option(names = "--threads", defaultValue = "2", description = "Shared I/O and callback threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--enroll-parallelism", defaultValue = "8", description = "Enrollments at once (default: ${DEFAULT-VALUE}).")
    int enrollParallelism;

    @Override
    public Integer call() throws Exception {
        FleetIdentities fleetIdentities = new FleetIdentities(identities);
        List<FleetIdentities.Member> members = fleetIdentities.loadOrEnroll(agents, missing -> {
            if (join == null) {
                throw new IllegalArgumentException(missing + " hosts have no identity in " + identities
                        + "; pass --join with a token good for at least " + missing + " uses");
            }
            return JoinString.parse(join);
        }, enrollParallelism);
        SimulatedFleet fleet = new SimulatedFleet(threads,
                RunBehaviour.withOutput(Duration.ofMillis(finishDelayMs), outputBytes));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                fleet.close();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            stopped.countDown();
        }));
        for (FleetIdentities.Member member : members) {
            fleet.start(member);
        }
        while (!stopped.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
            System.err.printf("%d/%d connected, %d runs recorded, %d sessions lost, %d connection failures%n",
                    fleet.connected(), fleet.size(), fleet.runsRecorded(), fleet.sessionsLost(),
                    fleet.connectFailures());
        }
        return 0;
    }
}
