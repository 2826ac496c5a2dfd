package io.octofleet.agent.inventory;

import io.octofleet.agent.inventory.HostInventory.Cpu;
import io.octofleet.agent.inventory.HostInventory.Disk;
import io.octofleet.agent.inventory.HostInventory.FileSystem;
import io.octofleet.agent.inventory.HostInventory.Gpu;
import io.octofleet.agent.inventory.HostInventory.Memory;
import io.octofleet.agent.inventory.HostInventory.Nic;
import io.octofleet.agent.inventory.HostInventory.OperatingSystem;
import io.octofleet.agent.inventory.HostInventory.SystemInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import oshi.hardware.CentralProcessor;
import oshi.hardware.ComputerSystem;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;
import oshi.util.PlatformEnum;

/**
 * Collects the {@link HostInventory} of the machine the agent runs on, with OSHI for the hardware and the helper
 * programs nvidia-smi, dpkg-query/rpm and systemd-detect-virt where they exist. Every helper runs with a timeout.
 *
 * <p>Not thread-safe: the session collects from one thread.
 */
public final class InventoryCollector {

    /** Values that firmware vendors leave in SMBIOS fields they did not fill in. */
    private static final Set<String> PLACEHOLDERS = Set.of(
            "unknown", "to be filled by o.e.m.", "default string", "not specified", "not applicable", "none",
            "system serial number", "system product name", "system manufacturer", "o.e.m.", "oem", "0", "123456789",
            "00000000-0000-0000-0000-000000000000", "03000200-0400-0500-0006-000700080009");

    /** Per-container and per-VM endpoints (docker/k8s veths, Calico, Cilium, libvirt and Proxmox taps) come and go
     * with workloads; listing them would make the inventory change whenever a container starts. */
    private static final List<String> WORKLOAD_NIC_PREFIXES =
            List.of("veth", "cali", "tap", "vnet", "fwpr", "fwln", "fwbr");

    private final oshi.SystemInfo oshi;
    private final GpuInventory gpus;
    private final PackageInventory packages;
    private final Virtualization virtualization;
    /** Read once per process: the host cannot reboot under a running agent, and some kernels report btime with a
     * second of jitter, which would otherwise change the fingerprint of an unchanged host. */
    private Instant bootTime;

    public InventoryCollector() {
        this(new CommandRunner());
    }

    InventoryCollector(CommandRunner runner) {
        this.oshi = new oshi.SystemInfo();
        this.gpus = new GpuInventory(runner);
        this.packages = new PackageInventory(runner);
        this.virtualization = new Virtualization(runner);
    }

    /** Collects the whole inventory; takes about a second, longer on hosts with many packages. */
    public HostInventory collect() {
        HardwareAbstractionLayer hardware = oshi.getHardware();
        oshi.software.os.OperatingSystem os = oshi.getOperatingSystem();
        return new HostInventory(
                operatingSystem(os),
                cpu(hardware.getProcessor()),
                new Memory(Math.max(0, hardware.getMemory().getTotal())),
                disks(hardware),
                filesystems(os),
                nics(hardware),
                system(hardware.getComputerSystem()),
                graphics(hardware),
                packages.collect(),
                bootTime(os));
    }

    private Instant bootTime(oshi.software.os.OperatingSystem os) {
        if (bootTime == null || bootTime.equals(Instant.EPOCH)) {
            bootTime = Instant.ofEpochSecond(Math.max(0, os.getSystemBootTime()));
        }
        return bootTime;
    }

    /**
     * The host's name as the kernel knows it (what {@code hostname} prints), without a DNS lookup, which can take
     * seconds on a host with a broken resolver.
     *
     * @return the host name, or "" if it cannot be determined
     */
    public static String hostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: fall through.
        }
        String computerName = System.getenv("COMPUTERNAME");
        if (computerName != null && !computerName.isBlank()) {
            return computerName.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "";
        }
    }

    private static OperatingSystem operatingSystem(oshi.software.os.OperatingSystem os) {
        PlatformEnum platform = PlatformEnum.getCurrentPlatform();
        // On Linux OSHI's build number is the kernel release (uname -r); os.version is the same there and the
        // closest thing to a kernel version elsewhere.
        String kernel = platform == PlatformEnum.LINUX
                ? text(os.getVersionInfo().getBuildNumber())
                : text(System.getProperty("os.version"));
        return new OperatingSystem(
                platform.name().toLowerCase(Locale.ROOT),
                text(os.getFamily()),
                text(os.getVersionInfo().getVersion()),
                kernel,
                arch(System.getProperty("os.arch", "")));
    }

    /** Java says "amd64" where uname says "x86_64"; the inventory uses uname's names. */
    static String arch(String javaArch) {
        return switch (javaArch) {
            case "amd64" -> "x86_64";
            case "arm64" -> "aarch64";
            case "x86" -> "i686";
            default -> javaArch;
        };
    }

    private static Cpu cpu(CentralProcessor processor) {
        CentralProcessor.ProcessorIdentifier id = processor.getProcessorIdentifier();
        return new Cpu(
                text(id.getName()),
                text(id.getVendor()),
                processor.getPhysicalPackageCount(),
                processor.getPhysicalProcessorCount(),
                processor.getLogicalProcessorCount(),
                Math.max(0, Math.max(processor.getMaxFreq(), id.getVendorFreq())));
    }

    private static List<Disk> disks(HardwareAbstractionLayer hardware) {
        return hardware.getDiskStores().stream()
                .filter(disk -> InventoriedStorage.isInventoriedDisk(DiskType.kernelName(disk.getName()), disk.getSize()))
                .map(disk -> new Disk(
                        disk.getName(),
                        text(disk.getModel()),
                        text(disk.getSerial()),
                        disk.getSize(),
                        DiskType.of(disk.getName(), text(disk.getModel()))))
                .sorted(Comparator.comparing(Disk::name))
                .toList();
    }

    /** Local file systems only: statfs on a dead NFS server blocks, and network shares are not this host's storage. */
    private static List<FileSystem> filesystems(oshi.software.os.OperatingSystem os) {
        Map<String, FileSystem> byMount = new LinkedHashMap<>();
        os.getFileSystem().getFileStores(true).stream()
                .filter(store -> InventoriedStorage.isInventoried(store.getType(), store.getTotalSpace()))
                // Free space as df's "Avail": what is left to unprivileged writers.
                .map(store -> new FileSystem(
                        store.getMount(), store.getType(), store.getTotalSpace(), Math.max(0, store.getUsableSpace())))
                .sorted(Comparator.comparing(FileSystem::mount)
                        .thenComparing(FileSystem::type)
                        .thenComparing(FileSystem::totalBytes))
                // A mount point mounted over (or bind-mounted twice) is listed more than once; one entry is enough.
                .forEach(fs -> byMount.putIfAbsent(fs.mount(), fs));
        return List.copyOf(byMount.values());
    }

    private static List<Nic> nics(HardwareAbstractionLayer hardware) {
        return hardware.getNetworkIFs(true).stream()
                .filter(nic -> !isLoopback(nic) && !isWorkloadEndpoint(nic.getName()) && !mac(nic).isEmpty())
                .map(nic -> new Nic(
                        nic.getName(),
                        mac(nic),
                        Arrays.stream(nic.getIPv4addr()).map(String::strip).sorted().distinct().toList(),
                        Arrays.stream(nic.getIPv6addr()).map(Ipv6Text::canonical).sorted().distinct().toList(),
                        Math.max(0, nic.getSpeed())))
                .sorted(Comparator.comparing(Nic::name))
                .toList();
    }

    private static boolean isLoopback(NetworkIF nic) {
        NetworkInterface javaNic = nic.queryNetworkInterface();
        try {
            return javaNic != null && javaNic.isLoopback();
        } catch (SocketException e) {
            return false;
        }
    }

    static boolean isWorkloadEndpoint(String name) {
        // Cilium names its per-pod endpoints lxc<hash>; lxcbr0 is LXC's host bridge and stays.
        return WORKLOAD_NIC_PREFIXES.stream().anyMatch(name::startsWith)
                || name.startsWith("lxc") && !name.startsWith("lxcbr");
    }

    private static String mac(NetworkIF nic) {
        String mac = text(nic.getMacaddr()).toLowerCase(Locale.ROOT);
        return mac.chars().allMatch(c -> c == '0' || c == ':') ? "" : mac;
    }

    private SystemInfo system(ComputerSystem computer) {
        return new SystemInfo(
                smbios(computer.getManufacturer()),
                smbios(computer.getModel()),
                smbios(computer.getSerialNumber()),
                smbios(computer.getHardwareUUID()).toLowerCase(Locale.ROOT),
                smbios(computer.getFirmware().getVersion()),
                virtualization.detect());
    }

    private List<Gpu> graphics(HardwareAbstractionLayer hardware) {
        List<Gpu> fromOshi = hardware.getGraphicsCards().stream()
                .map(card -> new Gpu(
                        text(card.getVendor()),
                        text(card.getName()),
                        "",
                        Math.max(0, card.getVRam()),
                        driverVersion(card.getVersionInfo()),
                        ""))
                .toList();
        return gpus.collect(fromOshi).stream()
                .sorted(Comparator.comparing(Gpu::vendor).thenComparing(Gpu::model).thenComparing(Gpu::uuid))
                .toList();
    }

    /** OSHI prefixes the driver version on Windows ("DriverVersion=31.0.15.3623") and has none on Linux. */
    private static String driverVersion(String versionInfo) {
        String version = text(versionInfo);
        return version.startsWith("DriverVersion=") ? version.substring("DriverVersion=".length()) : version;
    }

    /** OSHI reports what it cannot find as "unknown"; the inventory's word for that is "". */
    private static String text(String value) {
        if (value == null) {
            return "";
        }
        String stripped = value.strip();
        return stripped.equalsIgnoreCase("unknown") ? "" : stripped;
    }

    private static String smbios(String value) {
        String stripped = text(value);
        return PLACEHOLDERS.contains(stripped.toLowerCase(Locale.ROOT)) ? "" : stripped;
    }
}
