package io.octofleet.agent.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.octofleet.agent.inventory.HostInventory;
import io.octofleet.agent.inventory.HostInventory.Cpu;
import io.octofleet.agent.inventory.HostInventory.Disk;
import io.octofleet.agent.inventory.HostInventory.FileSystem;
import io.octofleet.agent.inventory.HostInventory.Gpu;
import io.octofleet.agent.inventory.HostInventory.InstalledPackage;
import io.octofleet.agent.inventory.HostInventory.Memory;
import io.octofleet.agent.inventory.HostInventory.Nic;
import io.octofleet.agent.inventory.HostInventory.OperatingSystem;
import io.octofleet.agent.inventory.HostInventory.SystemInfo;
import io.octofleet.agent.inventory.InventoryCollector;
import io.octofleet.proto.agent.v1.InventoryReport;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class InventoryMessagesTest {

    private static final Instant NOW = Instant.parse("2026-01-15T10:00:00.123Z");

    private static HostInventory host(long freeBytes, String opensslVersion) {
        return new HostInventory(
                new OperatingSystem("linux", "Debian GNU/Linux", "12", "6.1.0-18-amd64", "x86_64"),
                new Cpu("AMD EPYC 9654 96-Core Processor", "AuthenticAMD", 2, 192, 384, 3_700_000_000L),
                new Memory(1_622_000_000_000L),
                List.of(new Disk("/dev/nvme0n1", "SAMSUNG MZQL27T6HBLA-00A07", "S6CKNE0W123456", 7_681_501_126_656L,
                        "nvme")),
                List.of(new FileSystem("/", "ext4", 7_000_000_000_000L, freeBytes)),
                List.of(new Nic("eno1", "3c:ec:ef:12:34:56", List.of("10.0.0.5"), List.of("fe80::3eec:efff:fe12:3456"),
                        25_000_000_000L)),
                new SystemInfo("Supermicro", "SYS-821GE-TNHR", "S123456X", "0c8a6d2e-1b2f-4c9e-8a51-3d7f0e9b4a21",
                        "2.1", ""),
                List.of(new Gpu("NVIDIA", "NVIDIA H100 80GB HBM3", "GPU-1b7e0d3a-5c49-2f86-9e14-73a0c5d2b6f1",
                        85_520_809_984L, "550.90.07", "Disabled")),
                List.of(new InstalledPackage("openssl", opensslVersion, "amd64")),
                Instant.ofEpochSecond(1_767_000_000L));
    }

    @Test
    void carriesEveryFieldOntoTheWire() {
        InventoryReport report = InventoryMessages.toProto(host(1000, "3.0.15-1~deb12u1"), NOW);

        assertThat(report.getCollectedUnixMs()).isEqualTo(NOW.toEpochMilli());
        assertThat(report.getBootTimeUnixSeconds()).isEqualTo(1_767_000_000L);
        assertThat(report.getOs().getFamily()).isEqualTo("linux");
        assertThat(report.getOs().getKernel()).isEqualTo("6.1.0-18-amd64");
        assertThat(report.getCpu().getThreads()).isEqualTo(384);
        assertThat(report.getCpu().getMaxFrequencyHz()).isEqualTo(3_700_000_000L);
        assertThat(report.getMemory().getTotalBytes()).isEqualTo(1_622_000_000_000L);
        assertThat(report.getDisks(0).getType()).isEqualTo("nvme");
        assertThat(report.getFilesystems(0).getFreeBytes()).isEqualTo(1000);
        assertThat(report.getNics(0).getIpv6List()).containsExactly("fe80::3eec:efff:fe12:3456");
        assertThat(report.getNics(0).getSpeedBps()).isEqualTo(25_000_000_000L);
        assertThat(report.getSystem().getModel()).isEqualTo("SYS-821GE-TNHR");
        assertThat(report.getGpus(0).getMigMode()).isEqualTo("Disabled");
        assertThat(report.getGpus(0).getVramBytes()).isEqualTo(85_520_809_984L);
        assertThat(report.getPackages(0).getVersion()).isEqualTo("3.0.15-1~deb12u1");
    }

    @Test
    void fingerprintIsLowerCaseHexSha256() {
        assertThat(InventoryMessages.fingerprint(InventoryMessages.toProto(host(1000, "3.0.15-1~deb12u1"), NOW)))
                .matches("[0-9a-f]{64}");
    }

    @Test
    void fingerprintIgnoresCollectionTimeAndFreeSpace() {
        String before = InventoryMessages.fingerprint(InventoryMessages.toProto(host(1000, "3.0.15-1~deb12u1"), NOW));
        String after = InventoryMessages.fingerprint(
                InventoryMessages.toProto(host(999_999, "3.0.15-1~deb12u1"), NOW.plusSeconds(3600)));

        assertThat(after).isEqualTo(before);
    }

    @Test
    void fingerprintChangesWhenAPackageIsUpgraded() {
        String before = InventoryMessages.fingerprint(InventoryMessages.toProto(host(1000, "3.0.15-1~deb12u1"), NOW));
        String after = InventoryMessages.fingerprint(InventoryMessages.toProto(host(1000, "3.0.16-1~deb12u1"), NOW));

        assertThat(after).isNotEqualTo(before);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void fingerprintOfThisHostIsStableAcrossCollections() {
        InventoryCollector collector = new InventoryCollector();

        String first = InventoryMessages.fingerprint(InventoryMessages.toProto(collector.collect(), Instant.now()));
        String second = InventoryMessages.fingerprint(InventoryMessages.toProto(collector.collect(), Instant.now()));

        assertThat(second).isEqualTo(first);
    }
}
