package io.octofleet.bench.sim;

import io.octofleet.proto.agent.v1.Cpu;
import io.octofleet.proto.agent.v1.Disk;
import io.octofleet.proto.agent.v1.FileSystem;
import io.octofleet.proto.agent.v1.InventoryReport;
import io.octofleet.proto.agent.v1.Memory;
import io.octofleet.proto.agent.v1.Nic;
import io.octofleet.proto.agent.v1.OperatingSystem;
import io.octofleet.proto.agent.v1.Package;
import io.octofleet.proto.agent.v1.SystemInfo;

import java.time.Instant;
import java.util.UUID;

/**
 * A small but plausible inventory for a simulated host: a Debian VM with one disk, one NIC and a handful of
 * packages. Unique per host where a real fleet is unique (MAC, address, system UUID), so the server stores N
 * different reports, as it would for N real hosts.
 */
final class SimInventory {
    private SimInventory() {
    }

    static InventoryReport of(String hostname, int index, Instant collectedAt) {
        String mac = String.format("02:0f:%02x:%02x:%02x:%02x", (index >>> 24) & 0xff, (index >>> 16) & 0xff,
                (index >>> 8) & 0xff, index & 0xff);
        String ipv4 = "10." + ((index >>> 16) & 0xff) + "." + ((index >>> 8) & 0xff) + "." + (index & 0xff);
        InventoryReport.Builder report = InventoryReport.newBuilder()
                .setCollectedUnixMs(collectedAt.toEpochMilli())
                .setOs(OperatingSystem.newBuilder().setFamily("linux").setName("Debian GNU/Linux").setVersion("12")
                        .setKernel("6.1.0-bench-amd64").setArch("x86_64"))
                .setCpu(Cpu.newBuilder().setModel("Simulated CPU").setVendor("bench").setSockets(1).setCores(2)
                        .setThreads(2).setMaxFrequencyHz(2_400_000_000L))
                .setMemory(Memory.newBuilder().setTotalBytes(4L << 30))
                .addDisks(Disk.newBuilder().setName("vda").setModel("virtio").setSerial("sim-" + index)
                        .setSizeBytes(20L << 30).setType("virtual"))
                .addFilesystems(FileSystem.newBuilder().setMount("/").setType("ext4").setTotalBytes(20L << 30)
                        .setFreeBytes(12L << 30))
                .addNics(Nic.newBuilder().setName("eth0").setMac(mac).addIpv4(ipv4).setSpeedBps(1_000_000_000L))
                .setSystem(SystemInfo.newBuilder().setManufacturer("QEMU").setModel("Standard PC (Q35)")
                        .setUuid(UUID.nameUUIDFromBytes(hostname.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                                .toString())
                        .setVirtualization("kvm"))
                .setBootTimeUnixSeconds(collectedAt.getEpochSecond() - 3600);
        for (String name : new String[]{"bash", "coreutils", "openssh-server", "python3", "systemd"}) {
            report.addPackages(Package.newBuilder().setName(name).setVersion("1.0-bench").setArch("amd64"));
        }
        return report.build();
    }
}
