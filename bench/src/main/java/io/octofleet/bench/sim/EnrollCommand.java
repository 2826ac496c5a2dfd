package io.octofleet.bench.sim;

import io.octofleet.bench.server.OctofleetApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code enroll}: prepares a simulated fleet's identities once, so later runs of any size reuse them. */
@Command(name = "enroll", mixinStandardHelpOptions = true,
        description = {"Enrolls simulated hosts sim-00001..sim-N that have no identity in --identities yet, through the "
                + "real enrollment path of a running server (one key pair, CSR and certificate each), creating one "
                + "enrollment token per 10,000 hosts with the admin's credentials. Hosts already enrolled are kept.",
                "Each enrolled host is a node on the server (offline until it connects)."})
public final class EnrollCommand implements Callable<Integer> {
    @Option(names = "--agents", required = true, description = "Enroll hosts 1..N.")
    int agents;

    @Option(names = "--identities", required = true, description = "One agent state directory per host in here.")
    Path identities;

    @Option(names = "--server", required = true, description = "The server's HTTP address, e.g. http://127.0.0.1:8080.")
    URI server;

    @Option(names = "--username", defaultValue = "admin", description = "An administrator (default: ${DEFAULT-VALUE}).")
    String username;

    @Option(names = "--password-file", required = true,
            description = "A file holding that user's password, e.g. OCTOFLEET_HOME/initial-admin-password.")
    Path passwordFile;

    @Option(names = "--parallelism", defaultValue = "8", description = "Enrollments at once (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Override
    public Integer call() throws Exception {
        OctofleetApi api = new OctofleetApi(path -> server.resolve(path));
        api.login(username, Files.readString(passwordFile, StandardCharsets.UTF_8).strip());
        FleetIdentities fleet = new FleetIdentities(identities);
        int missing = fleet.missing(agents);
        long began = System.nanoTime();
        fleet.loadOrEnroll(agents, api.joinStrings(Duration.ofHours(24)), parallelism);
        double seconds = (System.nanoTime() - began) / 1e9;
        System.out.printf("enrolled %d hosts in %.1f s (%.1f/s); %d of %d were enrolled already%n", missing, seconds,
                missing / seconds, agents - missing, agents);
        return 0;
    }
}
