package io.octofleet.agent.metrics;

/**
 * One figure of one sample set: {@code name} is dotted lower case ({@code cpu.usage}); {@code instance} tells apart
 * the things of one kind on the host (core, mount point, disk, NIC, GPU index), empty when there is one.
 */
public record Metric(String name, String instance, double value) {
    public Metric {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " is not a finite number: " + value);
        }
    }
}
