package io.octofleet.agent;

import picocli.CommandLine.Command;

@Command(name = "version", description = "Print the agent version and exit.")
final class VersionCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("octofleet-agent " + AgentVersion.current());
    }
}
