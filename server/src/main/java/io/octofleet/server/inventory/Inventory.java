package io.octofleet.server.inventory;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.List;

/**
 * A host's inventory as the API shows it. The JSON field names are part of the API (docs/api.md). Unknown strings
 * are "" and unknown numbers 0, never null, so consumers need no null checks; {@code bootTime} may be null.
 * Empty lists and a null bootTime are written out too (serde would omit them), so every field is always present.
 */
@Serdeable
public record Inventory(OperatingSystem os, Cpu cpu, Memory memory, List<Disk> disks, List<FileSystem> filesystems,
                        List<Nic> nics, SystemInfo system, List<Gpu> gpus, List<SoftwarePackage> packages,
                        @Nullable Instant bootTime) {
    public Inventory {
        disks = List.copyOf(disks);
        filesystems = List.copyOf(filesystems);
        nics = List.copyOf(nics);
        gpus = List.copyOf(gpus);
        packages = List.copyOf(packages);
    }

    @Serdeable
    public record OperatingSystem(String family, String name, String version, String kernel, String arch) {
    }

    @Serdeable
    public record Cpu(String model, String vendor, int sockets, int cores, int threads, long maxFrequencyHz) {
    }

    @Serdeable
    public record Memory(long totalBytes) {
    }

    @Serdeable
    public record Disk(String name, String model, String serial, long sizeBytes, String type) {
    }

    @Serdeable
    public record FileSystem(String mount, String type, long totalBytes, long freeBytes) {
    }

    @Serdeable
    public record Nic(String name, String mac, List<String> ipv4, List<String> ipv6, long speedBps) {
        public Nic {
            ipv4 = List.copyOf(ipv4);
            ipv6 = List.copyOf(ipv6);
        }
    }

    @Serdeable
    public record SystemInfo(String manufacturer, String model, String serial, String uuid, String biosVersion,
                             String virtualization) {
    }

    @Serdeable
    public record Gpu(String vendor, String model, String uuid, long vramBytes, String driverVersion, String migMode) {
    }

    @Serdeable
    public record SoftwarePackage(String name, String version, String arch) {
    }
}
