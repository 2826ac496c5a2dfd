package io.octofleet.server.jobs;

import io.micronaut.serde.annotation.Serdeable;

/**
 * Refresh the node's inventory now: the agent collects it and sends it if it changed (a legacy Linux agent pushes its
 * full report). No fields.
 */
@Serdeable
public record InventoryJob() implements JobSpec {
    public static final String KIND = "inventory";

    @Override
    public String kind() {
        return KIND;
    }
}
