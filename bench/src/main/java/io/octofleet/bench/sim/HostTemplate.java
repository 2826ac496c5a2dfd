package io.octofleet.bench.sim;

import io.octofleet.proto.agent.v1.Cpu;
import io.octofleet.proto.agent.v1.Disk;
import io.octofleet.proto.agent.v1.FileSystem;
import io.octofleet.proto.agent.v1.Gpu;
import io.octofleet.proto.agent.v1.InventoryReport;
import io.octofleet.proto.agent.v1.Memory;
import io.octofleet.proto.agent.v1.MetricBatch;
import io.octofleet.proto.agent.v1.MetricValue;
import io.octofleet.proto.agent.v1.Nic;
import io.octofleet.proto.agent.v1.OperatingSystem;
import io.octofleet.proto.agent.v1.Package;
import io.octofleet.proto.agent.v1.SystemInfo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * A kind of host a simulated fleet is made of, like osquery-perf's {@code --os_templates}: an operating system and
 * ranges for its hardware (cores, memory, disks, NICs, GPUs) and its package count. {@link #host} draws one host
 * from it, deterministically from its index, so a rerun of the same fleet reports the same inventories (and the
 * server sees them as unchanged).
 *
 * <p>A host keeps only its index and a change counter; its report (up to a few hundred kilobytes with 3,000 packages)
 * is built when it is sent, so tens of thousands of simulated hosts fit in one JVM.
 */
public enum HostTemplate {
    /** A small Debian VM: the bulk of most fleets. */
    DEBIAN12_VM("debian12-vm", "linux", "Debian GNU/Linux", "12", "6.1.0-28-amd64", "x86_64", 2, 8, 4, 32,
            1, 1, 1, 1, 0, 0, 500, 900),
    /** An Ubuntu GPU server: many cores, NVMe disks, bonded NICs, 1–8 data-centre GPUs, a big package set. */
    UBUNTU22_GPU("ubuntu22-gpu", "linux", "Ubuntu", "22.04", "5.15.0-125-generic", "x86_64", 32, 128, 256, 2048,
            2, 8, 2, 4, 1, 8, 1500, 3000),
    /** A RHEL bare-metal server, sometimes with a GPU or two. */
    RHEL9_SERVER("rhel9-server", "linux", "Red Hat Enterprise Linux", "9.4", "5.14.0-427.13.1.el9_4.x86_64",
            "x86_64", 16, 64, 64, 512, 2, 4, 2, 2, 0, 2, 800, 1500),
    /** A Windows Server VM; its "packages" are installed programs and updates. */
    WINDOWS2022("windows2022", "windows", "Microsoft Windows Server 2022 Datacenter", "10.0.20348", "10.0.20348",
            "x86_64", 4, 16, 8, 64, 1, 2, 1, 1, 0, 0, 500, 1000);

    private static final String[] LINUX_BASE = {"adduser", "apt", "base-files", "bash", "bsdutils", "ca-certificates",
            "coreutils", "curl", "dash", "debconf", "diffutils", "dpkg", "e2fsprogs", "findutils", "gcc-12-base",
            "gpgv", "grep", "gzip", "hostname", "init-system-helpers", "iproute2", "iputils-ping", "less",
            "libc6", "libssl3", "libsystemd0", "login", "logrotate", "mawk", "mount", "ncurses-base", "netbase",
            "openssh-client", "openssh-server", "openssl", "passwd", "perl-base", "procps", "python3", "rsyslog",
            "sed", "sudo", "systemd", "systemd-sysv", "tar", "tzdata", "util-linux", "vim-tiny", "wget", "zlib1g"};
    private static final String[] GPU_BASE = {"cuda-toolkit-12-4", "nvidia-driver-550", "nvidia-container-toolkit",
            "libnccl2", "libcudnn9-cuda-12", "datacenter-gpu-manager", "nvidia-fabricmanager-550"};
    private static final String[] WINDOWS_BASE = {"Microsoft Edge", "Microsoft Visual C++ 2015-2022 Redistributable (x64)",
            "Microsoft Visual C++ 2015-2022 Redistributable (x86)", "Microsoft .NET Runtime - 8.0.11 (x64)",
            "PowerShell 7-x64", "7-Zip 24.08 (x64)", "Google Chrome", "Microsoft Defender", "VMware Tools",
            "Windows Admin Center"};
    private static final String[] GPU_MODELS = {"NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB", "NVIDIA L40S"};
    private static final long[] GPU_VRAM = {85_520_809_984L, 85_899_345_920L, 48_305_799_168L};
    private static final String[] CPU_MODELS = {"AMD EPYC 9454 48-Core Processor",
            "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", "Intel(R) Xeon(R) Platinum 8480+",
            "AMD EPYC 7763 64-Core Processor"};

    private final String id;
    private final String family;
    private final String osName;
    private final String osVersion;
    private final String kernel;
    private final String arch;
    private final int minCores;
    private final int maxCores;
    private final int minMemoryGib;
    private final int maxMemoryGib;
    private final int minDisks;
    private final int maxDisks;
    private final int minNics;
    private final int maxNics;
    private final int minGpus;
    private final int maxGpus;
    private final int minPackages;
    private final int maxPackages;

    HostTemplate(String id, String family, String osName, String osVersion, String kernel, String arch,
                 int minCores, int maxCores, int minMemoryGib, int maxMemoryGib, int minDisks, int maxDisks,
                 int minNics, int maxNics, int minGpus, int maxGpus, int minPackages, int maxPackages) {
        this.id = id;
        this.family = family;
        this.osName = osName;
        this.osVersion = osVersion;
        this.kernel = kernel;
        this.arch = arch;
        this.minCores = minCores;
        this.maxCores = maxCores;
        this.minMemoryGib = minMemoryGib;
        this.maxMemoryGib = maxMemoryGib;
        this.minDisks = minDisks;
        this.maxDisks = maxDisks;
        this.minNics = minNics;
        this.maxNics = maxNics;
        this.minGpus = minGpus;
        this.maxGpus = maxGpus;
        this.minPackages = minPackages;
        this.maxPackages = maxPackages;
    }

    /** The name used on the command line, e.g. {@code ubuntu22-gpu}. */
    public String id() {
        return id;
    }

    public static HostTemplate byId(String id) {
        for (HostTemplate template : values()) {
            if (template.id.equals(id)) {
                return template;
            }
        }
        throw new IllegalArgumentException("no host template '" + id + "'; known: "
                + Arrays.stream(values()).map(HostTemplate::id).toList());
    }

    /**
     * {@code debian12-vm=40,ubuntu22-gpu=20}: templates with weights, as {@code --os-templates} takes them.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public static Map<HostTemplate, Integer> parseMix(String mix) {
        Map<HostTemplate, Integer> weights = new LinkedHashMap<>();
        for (String part : mix.split(",")) {
            String[] kv = part.strip().split("=", 2);
            int weight;
            try {
                weight = kv.length == 1 ? 1 : Integer.parseInt(kv[1].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("weight of '" + part + "' is not a number");
            }
            if (weight < 0) {
                throw new IllegalArgumentException("weight of '" + part + "' is negative");
            }
            weights.merge(byId(kv[0].strip()), weight, Integer::sum);
        }
        if (weights.values().stream().mapToInt(Integer::intValue).sum() == 0) {
            throw new IllegalArgumentException("the template weights add up to 0");
        }
        return weights;
    }

    /** Which template host {@code index} is drawn from, spread evenly by weight (not by chance: exact shares). */
    public static HostTemplate pick(Map<HostTemplate, Integer> mix, int index) {
        int total = mix.values().stream().mapToInt(Integer::intValue).sum();
        int slot = Math.floorMod(index * 7919, total); // a stride coprime to most totals interleaves the kinds
        // In declaration order, whatever the map's: a host is the same kind on every run (and in every JVM).
        for (HostTemplate template : values()) {
            int weight = mix.getOrDefault(template, 0);
            if (slot < weight) {
                return template;
            }
            slot -= weight;
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * Host {@code index} of this template.
     *
     * @param packages a fixed package count, or 0 for this template's range
     */
    public Host host(String hostname, int index, int packages) {
        SplittableRandom random = new SplittableRandom(index * 0x9E3779B97F4A7C15L ^ ordinal());
        int cores = pow2Between(random, minCores, maxCores);
        int gpus = between(random, minGpus, maxGpus);
        return new Host(this, hostname, index, cores, pow2Between(random, minMemoryGib, maxMemoryGib),
                between(random, minDisks, maxDisks), between(random, minNics, maxNics), gpus,
                packages > 0 ? packages : between(random, minPackages, maxPackages),
                CPU_MODELS[random.nextInt(CPU_MODELS.length)], random.nextInt(GPU_MODELS.length));
    }

    private static int between(SplittableRandom random, int min, int max) {
        return min == max ? min : random.nextInt(min, max + 1);
    }

    private static int pow2Between(SplittableRandom random, int min, int max) {
        List<Integer> choices = new ArrayList<>();
        for (int v = Integer.highestOneBit(Math.max(1, min)); v <= max; v <<= 1) {
            if (v >= min) {
                choices.add(v);
            }
        }
        return choices.isEmpty() ? min : choices.get(random.nextInt(choices.size()));
    }

    /**
     * One drawn host. {@code changes} counts the inventory changes it has made (each upgrades one package), so the
     * report is a function of these fields alone.
     */
    public record Host(HostTemplate template, String hostname, int index, int cores, int memoryGib, int disks,
                       int nics, int gpus, int packages, String cpuModel, int gpuModel) {

        /** The report after {@code changes} changes, collected at {@code collectedUnixMs}. */
        public InventoryReport report(int changes, long collectedUnixMs) {
            HostTemplate t = template;
            InventoryReport.Builder report = InventoryReport.newBuilder()
                    .setCollectedUnixMs(collectedUnixMs)
                    .setOs(OperatingSystem.newBuilder().setFamily(t.family).setName(t.osName)
                            .setVersion(t.osVersion).setKernel(t.kernel).setArch(t.arch))
                    .setCpu(Cpu.newBuilder().setModel(t == WINDOWS2022 || t == DEBIAN12_VM ? "QEMU Virtual CPU"
                                    : cpuModel)
                            .setVendor(cpuModel.startsWith("AMD") ? "AuthenticAMD" : "GenuineIntel")
                            .setSockets(cores >= 64 ? 2 : 1).setCores(cores).setThreads(cores * 2)
                            .setMaxFrequencyHz(2_400_000_000L))
                    .setMemory(Memory.newBuilder().setTotalBytes((long) memoryGib << 30))
                    .setSystem(SystemInfo.newBuilder()
                            .setManufacturer(t == DEBIAN12_VM || t == WINDOWS2022 ? "QEMU" : "Supermicro")
                            .setModel(t == DEBIAN12_VM || t == WINDOWS2022 ? "Standard PC (Q35 + ICH9, 2009)"
                                    : "SYS-821GE-TNHR")
                            .setSerial("SIM" + String.format("%08d", index))
                            .setUuid(UUID.nameUUIDFromBytes(hostname.getBytes(StandardCharsets.UTF_8)).toString())
                            .setBiosVersion("2.1a")
                            .setVirtualization(t == DEBIAN12_VM || t == WINDOWS2022 ? "kvm" : ""))
                    .setBootTimeUnixSeconds(1_764_547_200L - index % 86_400); // booted once, before the run
            boolean windows = t == WINDOWS2022;
            for (int d = 0; d < disks; d++) {
                String name = windows ? "PhysicalDrive" + d : (t == DEBIAN12_VM ? "vd" : "nvme") + (t == DEBIAN12_VM
                        ? Character.toString('a' + d) : d + "n1");
                report.addDisks(Disk.newBuilder().setName(name).setModel(t == DEBIAN12_VM ? "virtio"
                                : "SAMSUNG MZQL23T8HCLS-00A07")
                        .setSerial("S" + index + "D" + d).setSizeBytes(d == 0 ? 480L << 30 : 3840L << 30)
                        .setType(t == DEBIAN12_VM || windows ? "virtual" : "ssd"));
                String mount = windows ? Character.toString('C' + d) + ":\\" : d == 0 ? "/" : "/data" + d;
                report.addFilesystems(FileSystem.newBuilder().setMount(mount).setType(windows ? "NTFS" : "ext4")
                        .setTotalBytes(d == 0 ? 470L << 30 : 3800L << 30)
                        .setFreeBytes((d == 0 ? 200L << 30 : 2000L << 30) - (collectedUnixMs % 1_000_000)));
            }
            for (int n = 0; n < nics; n++) {
                int unique = index * 8 + n;
                report.addNics(Nic.newBuilder().setName(windows ? "Ethernet" + (n == 0 ? "" : " " + (n + 1))
                                : "ens" + (3 + n))
                        .setMac(String.format("02:0f:%02x:%02x:%02x:%02x", (unique >>> 24) & 0xff,
                                (unique >>> 16) & 0xff, (unique >>> 8) & 0xff, unique & 0xff))
                        .addIpv4("10." + (n * 32 + ((index >>> 16) & 0x1f)) + "." + ((index >>> 8) & 0xff) + "."
                                + (index & 0xff))
                        .setSpeedBps(t == UBUNTU22_GPU ? 100_000_000_000L : 10_000_000_000L));
            }
            for (int g = 0; g < gpus; g++) {
                report.addGpus(Gpu.newBuilder().setVendor("NVIDIA").setModel(GPU_MODELS[gpuModel])
                        .setUuid(UUID.nameUUIDFromBytes((hostname + "/gpu" + g).getBytes(StandardCharsets.UTF_8))
                                .toString().replaceFirst("^", "GPU-"))
                        .setVramBytes(GPU_VRAM[gpuModel]).setDriverVersion("550.127.05").setMigMode("Disabled"));
            }
            String[] base = windows ? WINDOWS_BASE : LINUX_BASE;
            for (int p = 0; p < packages; p++) {
                String name;
                if (p < base.length) {
                    name = base[p];
                } else if (gpus > 0 && p - base.length < GPU_BASE.length) {
                    name = GPU_BASE[p - base.length];
                } else {
                    name = (windows ? "Update for Windows KB" : "lib-sim") + (5_000_000 + p);
                }
                // Change c upgrades package (c * 7919) % packages: one version bump per change, like an apt upgrade.
                int bumps = 0;
                for (int c = 1; c <= changes; c++) {
                    if (Math.floorMod(c * 7919, packages) == p) {
                        bumps++;
                    }
                }
                report.addPackages(Package.newBuilder().setName(name)
                        .setVersion((windows ? "10.0." : "1.") + (p % 40) + "." + bumps + (windows ? "" : "-1"))
                        .setArch(windows ? "x64" : "amd64"));
            }
            return report.build();
        }

        /**
         * One metric sample set as the real agent would send it for this host (docs/metrics.md names): host-wide
         * figures, one per logical CPU (up to 64), per file system, per NIC, and per GPU.
         */
        public MetricBatch.Builder metrics(long atUnixMs) {
            MetricBatch.Builder batch = MetricBatch.newBuilder();
            double wave = (atUnixMs / 1000 % 600) / 6.0;
            add(batch, "cpu.usage", "", wave);
            add(batch, "load.1", "", wave / 25);
            add(batch, "mem.used.bytes", "", memoryGib * 0.4 * (1L << 30));
            add(batch, "mem.total.bytes", "", (double) memoryGib * (1L << 30));
            add(batch, "mem.used.pct", "", 40);
            add(batch, "procs.count", "", 180 + index % 50);
            add(batch, "uptime.seconds", "", 86_400 + atUnixMs / 1000 % 100_000);
            for (int c = 0; c < Math.min(64, cores * 2); c++) {
                add(batch, "cpu.core.usage", Integer.toString(c), (wave + c) % 100);
            }
            for (int d = 0; d < disks; d++) {
                String mount = template == WINDOWS2022 ? Character.toString('C' + d) + ":\\" : d == 0 ? "/" : "/data" + d;
                add(batch, "fs.free.pct", mount, 40 + d);
                add(batch, "disk.read.bps", "d" + d, wave * 1000);
                add(batch, "disk.write.bps", "d" + d, wave * 2000);
            }
            for (int n = 0; n < nics; n++) {
                String nic = template == WINDOWS2022 ? "Ethernet" + (n == 0 ? "" : " " + (n + 1)) : "ens" + (3 + n);
                add(batch, "nic.rx.bps", nic, wave * 10_000);
                add(batch, "nic.tx.bps", nic, wave * 5_000);
            }
            for (int g = 0; g < gpus; g++) {
                String gpu = Integer.toString(g);
                add(batch, "gpu.util", gpu, wave);
                add(batch, "gpu.mem.used.bytes", gpu, GPU_VRAM[gpuModel] * wave / 100);
                add(batch, "gpu.temp", gpu, 40 + wave / 5);
                add(batch, "gpu.power.draw", gpu, 70 + wave * 6);
            }
            return batch;
        }

        private static void add(MetricBatch.Builder batch, String name, String instance, double value) {
            batch.addValues(MetricValue.newBuilder().setName(name).setInstance(instance).setValue(value));
        }
    }
}
