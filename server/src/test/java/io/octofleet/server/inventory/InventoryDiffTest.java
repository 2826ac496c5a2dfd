package io.octofleet.server.inventory;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.octofleet.server.inventory.SampleInventory.linuxHost;
import static io.octofleet.server.inventory.SampleInventory.withBootTime;
import static io.octofleet.server.inventory.SampleInventory.withDisks;
import static io.octofleet.server.inventory.SampleInventory.withFilesystems;
import static io.octofleet.server.inventory.SampleInventory.withGpus;
import static io.octofleet.server.inventory.SampleInventory.withPackages;
import static org.assertj.core.api.Assertions.assertThat;

class InventoryDiffTest {
    private final Inventory host = linuxHost();

    @Test
    void identicalReportsHaveNoChanges() {
        assertThat(InventoryDiff.between(host, linuxHost())).isEmpty();
    }

    @Test
    void freeSpaceAloneIsNotAChange() {
        Inventory fuller = withFilesystems(host, fs -> {
            fs.set(0, new Inventory.FileSystem("/", "ext4", 100L << 30, 1L << 30));
            return fs;
        });

        assertThat(InventoryDiff.between(host, fuller)).isEmpty();
    }

    @Test
    void resizedFilesystemIsAChangeEvenWhenFreeSpaceMovesToo() {
        Inventory grown = withFilesystems(host, fs -> {
            fs.set(1, new Inventory.FileSystem("/var", "xfs", 900L << 30, 10L << 30));
            return fs;
        });

        assertThat(InventoryDiff.between(host, grown)).containsExactly(new InventoryDiff.Change("filesystems", "/var",
                "changed", host.filesystems().get(1), grown.filesystems().get(1)));
    }

    @Test
    void upgradedPackageIsOneChangeKeyedByNameAndArch() {
        Inventory upgraded = withPackages(host, p -> {
            p.set(2, new Inventory.SoftwarePackage("openssl", "3.0.15-1~deb12u1", "amd64"));
            return p;
        });

        assertThat(InventoryDiff.between(host, upgraded)).containsExactly(new InventoryDiff.Change("packages",
                "openssl:amd64", "changed", host.packages().get(2), upgraded.packages().get(2)));
    }

    @Test
    void reorderedItemsAreNotChanges() {
        Inventory reordered = withPackages(host, p -> List.of(p.get(2), p.get(0), p.get(1)));

        assertThat(InventoryDiff.between(host, reordered)).isEmpty();
    }

    @Test
    void addedAndRemovedDisksAreReportedByName() {
        Inventory.Disk added = new Inventory.Disk("sda", "WDC WD80", "VK0", 8_001_563_222_016L, "hdd");
        Inventory swapped = withDisks(host, d -> List.of(added));

        assertThat(InventoryDiff.between(host, swapped)).containsExactly(
                new InventoryDiff.Change("disks", "sda", "added", null, added),
                new InventoryDiff.Change("disks", "nvme0n1", "removed", host.disks().get(0), null));
    }

    @Test
    void gpusAreKnownByUuidAndWithoutOneByPosition() {
        Inventory.Gpu anonymous = new Inventory.Gpu("Matrox", "G200eR2", "", 16L << 20, "", "");
        Inventory withTwo = withGpus(host, List.of(anonymous, host.gpus().get(0)));

        assertThat(InventoryDiff.between(host, withTwo)).containsExactly(
                new InventoryDiff.Change("gpus", "0", "added", null, anonymous));
    }

    @Test
    void rebootIsABootTimeChange() {
        Instant later = Instant.parse("2026-11-21T02:00:00Z");

        assertThat(InventoryDiff.between(host, withBootTime(host, later))).containsExactly(new InventoryDiff.Change(
                "bootTime", "bootTime", "changed", new InventoryDiff.BootTime(SampleInventory.BOOT),
                new InventoryDiff.BootTime(later)));
    }
}
