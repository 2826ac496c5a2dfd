package io.octofleet.agent.inventory;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything the agent knows about its host, as collected by {@link InventoryCollector}.
 *
 * <p>Unknown strings are {@code ""} and unknown numbers {@code 0}, never {@code null}, because the wire format
 * (proto3) has no nulls and the server compares reports field by field. Lists are immutable and sorted, so that an
 * unchanged host produces an equal value, and the same fingerprint, on every collection.
 */
public record HostInventory(
        OperatingSystem os,
        Cpu cpu,
        Memory memory,
        List<Disk> disks,
        List<FileSystem> filesystems,
        List<Nic> nics,
        SystemInfo system,
        List<Gpu> gpus,
        List<InstalledPackage> packages,
        Instant bootTime) {

    public HostInventory {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(system, "system");
        disks = List.copyOf(disks);
        filesystems = List.copyOf(filesystems);
        nics = List.copyOf(nics);
        gpus = List.copyOf(gpus);
        packages = List.copyOf(packages);
        bootTime = bootTime == null ? Instant.EPOCH : bootTime;
    }

    /**
     * @param family lower-case platform: "linux", "windows", "macos", "freebsd", ...
     * @param name   distribution or product name, e.g. "Debian GNU/Linux"
     * @param arch   machine architecture in {@code uname -m} spelling, e.g. "x86_64", "aarch64"
     */
    public record OperatingSystem(String family, String name, String version, String kernel, String arch) {
        public OperatingSystem {
            family = orEmpty(family);
            name = orEmpty(name);
            version = orEmpty(version);
            kernel = orEmpty(kernel);
            arch = orEmpty(arch);
        }
    }

    /**
     * @param cores   physical cores over all sockets
     * @param threads logical processors, what {@code nproc} reports on an unrestricted process
     */
    public record Cpu(String model, String vendor, int sockets, int cores, int threads, long maxFrequencyHz) {
        public Cpu {
            model = orEmpty(model);
            vendor = orEmpty(vendor);
        }
    }

    public record Memory(long totalBytes) {
    }

    /** @param type "nvme", "ssd", "hdd", "virtual" or "unknown" */
    public record Disk(String name, String model, String serial, long sizeBytes, String type) {
        public Disk {
            name = orEmpty(name);
            model = orEmpty(model);
            serial = orEmpty(serial);
            type = type == null || type.isEmpty() ? "unknown" : type;
        }
    }

    /** @param freeBytes volatile: it does not count as an inventory change */
    public record FileSystem(String mount, String type, long totalBytes, long freeBytes) {
        public FileSystem {
            mount = orEmpty(mount);
            type = orEmpty(type);
        }
    }

    /**
     * @param mac  lower-case, colon-separated
     * @param ipv6 compressed form (RFC 5952), without zone or prefix length
     */
    public record Nic(String name, String mac, List<String> ipv4, List<String> ipv6, long speedBps) {
        public Nic {
            name = orEmpty(name);
            mac = orEmpty(mac);
            ipv4 = List.copyOf(ipv4);
            ipv6 = List.copyOf(ipv6);
        }
    }

    /** @param virtualization hypervisor the host runs under ("kvm", "vmware", ...), or "" on bare metal */
    public record SystemInfo(
            String manufacturer, String model, String serial, String uuid, String biosVersion, String virtualization) {
        public SystemInfo {
            manufacturer = orEmpty(manufacturer);
            model = orEmpty(model);
            serial = orEmpty(serial);
            uuid = orEmpty(uuid);
            biosVersion = orEmpty(biosVersion);
            virtualization = orEmpty(virtualization);
        }
    }

    /** @param migMode NVIDIA MIG mode, "Enabled" or "Disabled", or "" when not applicable */
    public record Gpu(String vendor, String model, String uuid, long vramBytes, String driverVersion, String migMode) {
        public Gpu {
            vendor = orEmpty(vendor);
            model = orEmpty(model);
            uuid = orEmpty(uuid);
            driverVersion = orEmpty(driverVersion);
            migMode = orEmpty(migMode);
        }
    }

    /** Named so because {@code Package} would shadow {@link java.lang.Package}. */
    public record InstalledPackage(String name, String version, String arch) {
        public InstalledPackage {
            name = orEmpty(name);
            version = orEmpty(version);
            arch = orEmpty(arch);
        }
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
