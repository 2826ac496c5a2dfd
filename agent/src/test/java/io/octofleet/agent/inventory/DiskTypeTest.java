package io.octofleet.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class DiskTypeTest {

    @Test
    void namesNvmeByItsKernelName() {
        assertThat(DiskType.classify("nvme0n1", "Samsung SSD 990 PRO 2TB", Optional.of("0\n"))).isEqualTo("nvme");
    }

    @Test
    void tellsSsdFromHddByRotationalFlag() {
        assertThat(DiskType.classify("sda", "Samsung SSD 870", Optional.of("0\n"))).isEqualTo("ssd");
        assertThat(DiskType.classify("sdb", "ST4000NM0035-1V4", Optional.of("1\n"))).isEqualTo("hdd");
    }

    @Test
    void callsVirtioXenAndEmulatedDisksVirtualAlthoughTheyClaimToRotate() {
        assertThat(DiskType.classify("vda", "", Optional.of("1"))).isEqualTo("virtual");
        assertThat(DiskType.classify("xvda", "", Optional.of("1"))).isEqualTo("virtual");
        assertThat(DiskType.classify("sda", "QEMU HARDDISK", Optional.of("1"))).isEqualTo("virtual");
        assertThat(DiskType.classify("sda", "VMware Virtual disk", Optional.of("1"))).isEqualTo("virtual");
        assertThat(DiskType.classify("sda", "Virtual Disk", Optional.of("1"))).isEqualTo("virtual");
    }

    @Test
    void isUnknownWithoutRotationalFlag() {
        assertThat(DiskType.classify("\\\\.\\PHYSICALDRIVE0", "WDC WD10EZEX", Optional.empty())).isEqualTo("unknown");
    }

    @Test
    void stripsDevPrefixToGetTheKernelName() {
        assertThat(DiskType.kernelName("/dev/nvme0n1")).isEqualTo("nvme0n1");
        assertThat(DiskType.kernelName("disk0")).isEqualTo("disk0");
    }
}
