package io.octofleet.agent;

import io.octofleet.agent.inventory.InventoryCollector;
import io.octofleet.agent.session.InventoryMessages;
import java.time.Instant;
import picocli.CommandLine.Command;

/** Prints the inventory the agent would report (protobuf text format), to check a host without a server. */
@Command(name = "inventory", description = "Collect this host's inventory and print it as the agent reports it.")
final class InventoryCommand implements Runnable {
    @Override
    public void run() {
        System.out.print(InventoryMessages.toProto(new InventoryCollector().collect(), Instant.now()));
    }
}
