package io.octofleet.agent.jobs;

/** Collect the host's inventory now (an {@code inventory} job): no fields. */
public record InventorySpec() implements JobSpec {
    public static final String KIND = "inventory";

    @Override
    public String kind() {
        return KIND;
    }
}
