package io.octofleet.agent;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code java -jar octofleet-agent.jar run|version}. */
@Command(name = "octofleet-agent",
        mixinStandardHelpOptions = true,
        versionProvider = AgentVersion.class,
        description = "The Octofleet host agent: enrolls with an Octofleet server, reports inventory and keeps a "
                + "live session for jobs.",
        subcommands = {RunCommand.class, MetricsCommand.class, InventoryCommand.class, VersionCommand.class, CommandLine.HelpCommand.class})
public final class AgentMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    public static int execute(String... args) {
        return new CommandLine(new AgentMain()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
