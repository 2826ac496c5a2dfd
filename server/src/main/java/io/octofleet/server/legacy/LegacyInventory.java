package io.octofleet.server.legacy;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.inventory.Inventory;
import io.octofleet.server.problem.ApiException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Maps a legacy agent's {@code POST /api/v1/inventory/full} onto the typed inventory (docs/migration.md has the
 * field table). Two shapes exist:
 * <ul>
 *   <li>the Linux bash agent: {@code nodeId}, {@code hostname}, {@code agentVersion}, {@code collectedAt};
 *   {@code hardware.cpu} {name, cores, threads, architecture}, {@code hardware.ram.totalBytes}, {@code hardware.disks}
 *   as {@code lsblk -J} block devices, {@code hardware.motherboard}, {@code hardware.bios}; {@code software.software}
 *   [{name, version, architecture}]; {@code system.operatingSystem}, {@code system.uptime}; {@code network.interfaces}
 *   as {@code ip -j addr};</li>
 *   <li>the Windows service (WMI): no {@code nodeId} (its node id is {@code win-<hostname in lower case>}, as its job
 *   poller says), {@code timestamp}; {@code hardware.cpu} an object or an array of them, {@code hardware.ram.totalGB},
 *   {@code hardware.disks} {physical, volumes}, {@code hardware.mainboard}, {@code hardware.bios} with serial and
 *   UUID, {@code hardware.virtualization}, {@code hardware.gpu}, {@code hardware.nics} {adapters, configurations};
 *   {@code system.os}; software with publisher and MSI product code.</li>
 * </ul>
 * What has no place in the typed inventory (security, hotfixes, services, browsers …) is kept as sent in
 * {@code legacy_reports}.
 */
final class LegacyInventory {
    static final int MAX_ID = 255;
    private static final Pattern LEGACY_ID = Pattern.compile("[\\p{L}\\p{N}._:@-]{1,255}");
    private static final double GIB = 1024d * 1024 * 1024;

    private LegacyInventory() {
    }

    /** What a report says, mapped; {@code platform} is "linux" or "windows". */
    record Report(String legacyId, String hostname, String agentVersion, Instant collectedAt, String platform,
                  Inventory inventory) {
    }

    static Report map(LegacyJson body, Instant now) {
        boolean windows = isWindows(body);
        String hostname = body.text("hostname");
        if (hostname.isEmpty()) {
            hostname = body.object("system").text("hostname");
        }
        String legacyId = body.text("nodeId");
        if (legacyId.isEmpty() && windows && !hostname.isEmpty()) {
            legacyId = "win-" + hostname.toLowerCase(Locale.ROOT);
        }
        legacyId = checkedId(legacyId);
        if (hostname.isEmpty()) {
            hostname = legacyId;
        }
        if (hostname.length() > MAX_ID) {
            throw ApiException.invalid("hostname is longer than " + MAX_ID + " characters");
        }
        Instant collectedAt = body.time("collectedAt");
        if (collectedAt == null) {
            collectedAt = body.time("timestamp");
        }
        if (collectedAt == null || collectedAt.isAfter(now.plus(Duration.ofMinutes(10)))) {
            collectedAt = now; // absent, or a clock far ahead: the server's time is the better guess
        }
        LegacyJson hardware = body.object("hardware");
        LegacyJson system = body.object("system");
        String agentVersion = body.text("agentVersion");
        if (agentVersion.isEmpty()) {
            agentVersion = system.object("os").text("agentVersion");
        }
        Inventory inventory = windows ? windows(hardware, system, body) : linux(hardware, system, body);
        return new Report(legacyId, hostname, agentVersion.isEmpty() ? "legacy" : agentVersion, collectedAt,
                windows ? "windows" : "linux", inventory);
    }

    /** The node id a legacy agent sends: 1–255 letters, digits and . _ : @ - (hostnames, FQDNs, win-NAME). */
    static String checkedId(String legacyId) {
        if (legacyId.isEmpty()) {
            throw ApiException.invalid("nodeId is required (the legacy agent's node id, usually its hostname)");
        }
        if (!LEGACY_ID.matcher(legacyId).matches()) {
            throw ApiException.invalid("nodeId must be 1–" + MAX_ID
                    + " letters, digits or . _ : @ -, got '" + LegacyJson.abbreviate(legacyId) + "'");
        }
        return legacyId;
    }

    private static boolean isWindows(LegacyJson body) {
        LegacyJson system = body.object("system");
        String platform = system.text("platform");
        if (!platform.isEmpty()) {
            return platform.equalsIgnoreCase("windows");
        }
        return system.has("os") || body.has("hotfixes") || body.object("hardware").object("disks").has("physical");
    }

    private static Inventory linux(LegacyJson hardware, LegacyJson system, LegacyJson body) {
        LegacyJson os = system.object("operatingSystem");
        String arch = first(system.text("architecture"), hardware.object("cpu").text("architecture"));
        Inventory.OperatingSystem operatingSystem = new Inventory.OperatingSystem("linux", os.text("name"),
                os.text("version"), os.text("kernel"), arch);
        LegacyJson cpu = hardware.object("cpu");
        int threads = (int) Math.min(cpu.whole("threads"), Integer.MAX_VALUE);
        int cores = (int) Math.min(cpu.whole("cores"), Integer.MAX_VALUE);
        Inventory.Cpu cpuInfo = new Inventory.Cpu(cpu.text("name", "model"), vendor(cpu.text("name", "model")),
                cores > 0 ? 1 : 0, cores, Math.max(threads, cores), 0);
        LegacyJson ram = hardware.object("ram");
        long memory = ram.whole("totalBytes");
        if (memory == 0) {
            memory = Math.round(ram.number("totalGB") * GIB);
        }
        List<Inventory.Disk> disks = new ArrayList<>();
        List<Inventory.FileSystem> filesystems = new ArrayList<>();
        for (LegacyJson device : hardware.array("disks")) {
            blockDevice(device, disks, filesystems);
        }
        List<Inventory.Nic> nics = new ArrayList<>();
        for (LegacyJson nic : body.object("network").array("interfaces")) {
            String name = nic.text("name", "ifname");
            if (name.isEmpty() || name.equals("lo")) {
                continue;
            }
            List<String> v4 = new ArrayList<>();
            List<String> v6 = new ArrayList<>();
            for (LegacyJson address : nic.array("addresses")) {
                String family = address.text("family");
                String ip = address.text("address", "local");
                if (ip.isEmpty()) {
                    continue;
                }
                (family.equals("inet6") || ip.contains(":") ? v6 : v4).add(ip);
            }
            nics.add(new Inventory.Nic(name, nic.text("mac", "address").toLowerCase(Locale.ROOT), v4, v6,
                    nic.whole("speedMbps") * 1_000_000L));
        }
        LegacyJson board = hardware.object("motherboard");
        LegacyJson bios = hardware.object("bios");
        Inventory.SystemInfo info = new Inventory.SystemInfo(unknownless(board.text("manufacturer")),
                unknownless(board.text("product")), unknownless(first(board.text("serialNumber", "serial"),
                bios.text("serialNumber", "serial"))), unknownless(bios.text("uuid")),
                unknownless(bios.text("version")), "");
        Instant boot = system.object("uptime").time("bootTime");
        return new Inventory(operatingSystem, cpuInfo, new Inventory.Memory(memory), disks, filesystems, nics, info,
                List.of(), packages(body), boot);
    }

    /** An lsblk block device: disks become disks, mounted devices (partitions, LVM volumes) file systems. */
    private static void blockDevice(LegacyJson device, List<Inventory.Disk> disks,
                                    List<Inventory.FileSystem> filesystems) {
        String type = device.text("type");
        String name = device.text("name");
        long size = device.whole("size");
        if (type.equals("disk")) {
            String kind = name.startsWith("nvme") ? "nvme" : device.text("rota").equals("0")
                    || device.text("rota").equals("false") ? "ssd" : device.text("rota").isEmpty() ? "unknown" : "hdd";
            disks.add(new Inventory.Disk(name, device.text("model"), device.text("serial"), size, kind));
        }
        String mount = device.text("mountpoint");
        if (mount.isEmpty()) {
            List<String> mounts = device.strings("mountpoints");
            mount = mounts.isEmpty() ? "" : mounts.get(0);
        }
        if (!mount.isEmpty() && !mount.equals("[SWAP]")) {
            filesystems.add(new Inventory.FileSystem(mount, device.text("fstype"), size, device.whole("fsavail")));
        }
        for (LegacyJson child : device.array("children")) {
            blockDevice(child, disks, filesystems);
        }
    }

    private static Inventory windows(LegacyJson hardware, LegacyJson system, LegacyJson body) {
        LegacyJson os = system.object("os");
        List<LegacyJson> cpus = hardware.oneOrMany("cpu");
        LegacyJson cpu = cpus.isEmpty() ? hardware.object("cpu") : cpus.get(0);
        String arch = windowsArch(first(os.text("architecture"), cpu.text("architecture")));
        String version = os.text("version");
        Inventory.OperatingSystem operatingSystem = new Inventory.OperatingSystem("windows", os.text("name"),
                version, first(os.text("buildNumber"), version), arch);
        int cores = 0;
        int threads = 0;
        long maxMhz = 0;
        for (LegacyJson c : cpus) {
            cores += (int) Math.min(c.whole("cores"), Integer.MAX_VALUE);
            threads += (int) Math.min(c.whole("logicalProcessors"), Integer.MAX_VALUE);
            maxMhz = Math.max(maxMhz, c.whole("maxClockSpeedMHz"));
        }
        Inventory.Cpu cpuInfo = new Inventory.Cpu(cpu.text("name"), first(cpu.text("manufacturer"),
                vendor(cpu.text("name"))), cpus.size(), cores, Math.max(threads, cores), maxMhz * 1_000_000L);
        LegacyJson ram = hardware.object("ram");
        long memory = ram.whole("totalBytes");
        if (memory == 0) {
            memory = Math.round(ram.number("totalGB") * GIB);
        }
        LegacyJson diskResult = hardware.object("disks");
        List<Inventory.Disk> disks = new ArrayList<>();
        int index = 0;
        for (LegacyJson d : diskResult.array("physical")) {
            String media = (d.text("busType") + " " + d.text("mediaType")).toLowerCase(Locale.ROOT);
            String kind = media.contains("nvme") ? "nvme" : d.bool("isSsd") || media.contains("ssd") ? "ssd"
                    : media.contains("virtual") ? "virtual" : media.contains("hdd") || media.contains("fixed") ? "hdd"
                    : "unknown";
            String name = first(d.text("deviceId"), "PhysicalDrive" + index++);
            disks.add(new Inventory.Disk(name, d.text("model"), d.text("serialNumber"),
                    Math.round(d.number("sizeGB") * GIB), kind));
        }
        List<Inventory.FileSystem> filesystems = new ArrayList<>();
        for (LegacyJson v : diskResult.array("volumes")) {
            String mount = v.text("driveLetter");
            if (!mount.isEmpty()) {
                filesystems.add(new Inventory.FileSystem(mount, v.text("fileSystem"),
                        Math.round(v.number("sizeGB") * GIB), Math.round(v.number("freeGB") * GIB)));
            }
        }
        LegacyJson nicResult = hardware.object("nics");
        LegacyJson configurations = nicResult.object("configurations");
        List<Inventory.Nic> nics = new ArrayList<>();
        for (LegacyJson adapter : nicResult.array("adapters")) {
            String name = adapter.text("name");
            if (name.isEmpty()) {
                continue;
            }
            List<String> v4 = new ArrayList<>();
            List<String> v6 = new ArrayList<>();
            for (String ip : configurations.object(name).strings("ipAddresses")) {
                (ip.contains(":") ? v6 : v4).add(ip);
            }
            nics.add(new Inventory.Nic(name, adapter.text("macAddress").replace('-', ':').toLowerCase(Locale.ROOT),
                    v4, v6, adapter.whole("speedMbps") * 1_000_000L));
        }
        List<Inventory.Gpu> gpus = new ArrayList<>();
        for (LegacyJson g : hardware.array("gpu")) {
            gpus.add(new Inventory.Gpu(first(g.text("manufacturer"), vendor(g.text("name"))), g.text("name"), "",
                    Math.round(g.number("videoMemoryGB") * GIB), g.text("driverVersion"), ""));
        }
        LegacyJson board = hardware.object("mainboard");
        LegacyJson bios = hardware.object("bios");
        LegacyJson virtualization = hardware.object("virtualization");
        String hypervisor = virtualization.bool("isVirtual")
                ? first(virtualization.text("hypervisor"), virtualization.text("model"), "virtual").toLowerCase(Locale.ROOT)
                : "";
        Inventory.SystemInfo info = new Inventory.SystemInfo(unknownless(board.text("manufacturer")),
                unknownless(board.text("product")), unknownless(first(bios.text("serialNumber"),
                board.text("serialNumber"))), unknownless(bios.text("uuid")), unknownless(bios.text("version")),
                hypervisor);
        Instant boot = os.time("lastBootTime");
        return new Inventory(operatingSystem, cpuInfo, new Inventory.Memory(memory), disks, filesystems, nics, info,
                gpus, packages(body), boot);
    }

    /** Packages by name and architecture (the typed inventory's key); a later duplicate replaces an earlier one. */
    private static List<Inventory.SoftwarePackage> packages(LegacyJson body) {
        Map<String, Inventory.SoftwarePackage> byKey = new LinkedHashMap<>();
        LegacyJson software = body.object("software");
        for (LegacyJson p : software.array("software")) {
            String name = p.text("name");
            if (name.isEmpty()) {
                continue;
            }
            String arch = p.text("architecture", "arch");
            byKey.put(name + '\u0000' + arch, new Inventory.SoftwarePackage(name, p.text("version"), arch));
        }
        return new ArrayList<>(byKey.values());
    }

    /** WMI spells architectures its own way ("64-bit", "x64", "ARM64"); the inventory uses uname -m spelling. */
    private static String windowsArch(String arch) {
        String a = arch.toLowerCase(Locale.ROOT);
        if (a.contains("arm64") || a.contains("aarch64")) {
            return "aarch64";
        }
        if (a.contains("64")) {
            return "x86_64";
        }
        if (a.contains("86") || a.contains("32")) {
            return "i686";
        }
        return a;
    }

    private static String vendor(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        if (m.contains("intel")) {
            return "GenuineIntel";
        }
        if (m.contains("amd") || m.contains("epyc") || m.contains("ryzen")) {
            return "AuthenticAMD";
        }
        if (m.contains("nvidia")) {
            return "NVIDIA";
        }
        return "";
    }

    /** The bash agent writes "Unknown" where it read nothing; the inventory says "" for unknown. */
    private static String unknownless(@Nullable String value) {
        return value == null || value.equalsIgnoreCase("unknown") ? "" : value;
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return "";
    }
}
