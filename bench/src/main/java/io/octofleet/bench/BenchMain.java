package io.octofleet.bench;

import io.octofleet.bench.api.NodesApiCommand;
import io.octofleet.bench.fanout.FanoutCommand;
import io.octofleet.bench.heartbeat.HeartbeatCommand;
import io.octofleet.bench.ingest.IngestCommand;
import io.octofleet.bench.load.LoadCommand;
import io.octofleet.bench.sim.EnrollCommand;
import io.octofleet.bench.sim.SimulateCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar octofleet-bench.jar <command>}: load and latency benchmarks against a real server. */
@Command(name = "octofleet-bench", mixinStandardHelpOptions = true,
        subcommands = {FanoutCommand.class, IngestCommand.class, SimulateCommand.class, HeartbeatCommand.class,
                EnrollCommand.class, LoadCommand.class, NodesApiCommand.class},
        description = "Octofleet benchmarks. Figures and how they were taken: docs/benchmarks.md.")
public final class BenchMain implements Runnable {

    public static void main(String[] args) {
        // The agent classes the simulated agents reuse log every enrollment at INFO; a thousand of those is noise.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        // Netty hands each simulated agent's key to BoringSSL through an in-memory PKCS#12 store it builds and reads
        // back; at the JDK's default of 10,000 PBKDF2 rounds that was most of the cost of starting an agent. The store
        // never leaves memory, so one round protects nothing less. (The real agent builds its context once.)
        for (String property : new String[]{"keystore.pkcs12.keyPbeIterationCount",
                "keystore.pkcs12.certPbeIterationCount", "keystore.pkcs12.macItrCount"}) {
            System.setProperty(property, System.getProperty(property, "1"));
        }
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
