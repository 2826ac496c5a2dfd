package io.octofleet.agent.metrics;

import java.time.Instant;
import java.util.List;

/**
 * This host's figures at one moment. Counters (disk and NIC bytes, errors) are cumulative since boot as the kernel
 * keeps them; rates are differences between samples, so a lost sample loses resolution, not data.
 *
 * @param cpuUsagePercent     share of CPU time not idle since the previous sample, 0-100; null on the first sample
 * @param cpuCoreUsagePercent the same per logical processor; empty on the first sample
 * @param load1               1-minute load average; null where the OS has none
 */
public record HostSample(Instant at, Double cpuUsagePercent, List<Double> cpuCoreUsagePercent, Double load1,
                         Double load5, Double load15, long memoryUsedBytes, long memoryTotalBytes,
                         long swapUsedBytes, long swapTotalBytes, List<FileSystemUsage> fileSystems,
                         List<DiskCounters> disks, List<NicCounters> nics, int processes, long uptimeSeconds) {
    public HostSample {
        cpuCoreUsagePercent = List.copyOf(cpuCoreUsagePercent);
        fileSystems = List.copyOf(fileSystems);
        disks = List.copyOf(disks);
        nics = List.copyOf(nics);
    }

    public record FileSystemUsage(String mount, String type, long usedBytes, long totalBytes) {
    }

    public record DiskCounters(String name, long readBytes, long writeBytes, long reads, long writes) {
    }

    public record NicCounters(String name, long rxBytes, long txBytes, long rxErrors, long txErrors) {
    }
}
