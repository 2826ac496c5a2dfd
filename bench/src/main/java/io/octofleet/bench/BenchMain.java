package io.octofleet.bench;

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
                EnrollCommand.class, LoadCommand.class},
        description = "Octofleet benchmarks. Figures and how they were taken: docs/benchmarks.md.")
public final class BenchMain implements Runnable {

    public static void main(String[] args) {
        // The agent classes the simulated agents reuse log every enrollment at INFO; a thousand of those is noise.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
