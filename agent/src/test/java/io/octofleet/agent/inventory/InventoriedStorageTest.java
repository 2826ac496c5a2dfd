package io.octofleet.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InventoriedStorageTest {

    private static final long GIB = 1L << 30;

    @Test
    void keepsDiskBackedFileSystems() {
        assertThat(InventoriedStorage.isInventoried("ext4", 100 * GIB)).isTrue();
        assertThat(InventoriedStorage.isInventoried("xfs", 100 * GIB)).isTrue();
        assertThat(InventoriedStorage.isInventoried("NTFS", 100 * GIB)).isTrue();
        assertThat(InventoriedStorage.isInventoried("fuseblk", 100 * GIB)).isTrue();
    }

    @Test
    void skipsPseudoRamAndImageFileSystems() {
        assertThat(InventoriedStorage.isInventoried("tmpfs", GIB)).isFalse();
        assertThat(InventoriedStorage.isInventoried("overlay", GIB)).isFalse();
        assertThat(InventoriedStorage.isInventoried("squashfs", GIB)).isFalse();
        assertThat(InventoriedStorage.isInventoried("devtmpfs", GIB)).isFalse();
        assertThat(InventoriedStorage.isInventoried("fuse.lxcfs", GIB)).isFalse();
    }

    @Test
    void skipsFileSystemsWithoutSize() {
        assertThat(InventoriedStorage.isInventoried("ext4", 0)).isFalse();
    }

    @Test
    void skipsLoopRamAndMapperDevicesButKeepsRealDisks() {
        assertThat(InventoriedStorage.isInventoriedDisk("loop3", GIB)).isFalse();
        assertThat(InventoriedStorage.isInventoriedDisk("zram0", GIB)).isFalse();
        assertThat(InventoriedStorage.isInventoriedDisk("dm-0", GIB)).isFalse();
        assertThat(InventoriedStorage.isInventoriedDisk("sr0", GIB)).isFalse();
        assertThat(InventoriedStorage.isInventoriedDisk("sda", GIB)).isTrue();
        assertThat(InventoriedStorage.isInventoriedDisk("nvme0n1", GIB)).isTrue();
        assertThat(InventoriedStorage.isInventoriedDisk("sdb", 0)).isFalse();
    }
}
