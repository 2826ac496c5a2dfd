package io.octofleet.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.octofleet.agent.inventory.HostInventory.Gpu;
import java.util.List;
import org.junit.jupiter.api.Test;

class GpuInventoryTest {

    private static final Gpu OSHI_NVIDIA = new Gpu("NVIDIA Corporation", "GH100 [H100 SXM5 80GB]", "", 0, "", "");
    private static final Gpu OSHI_ASPEED = new Gpu("ASPEED Technology, Inc.", "ASPEED Graphics Family", "", 0, "", "");

    @Test
    void replacesOshisNvidiaCardsWithNvidiaSmisAndKeepsOthers() {
        List<Gpu> fromSmi = NvidiaSmiParser.parse(Fixtures.read("nvidia-smi/h100-80gb-hbm3-x8.csv"));

        List<Gpu> merged = GpuInventory.merge(List.of(OSHI_ASPEED, OSHI_NVIDIA, OSHI_NVIDIA), fromSmi);

        assertThat(merged).hasSize(9).contains(OSHI_ASPEED).doesNotContain(OSHI_NVIDIA);
    }

    @Test
    void keepsOshisNvidiaCardsWhenNvidiaSmiReportsNone() {
        assertThat(GpuInventory.merge(List.of(OSHI_NVIDIA, OSHI_ASPEED), List.of()))
                .containsExactly(OSHI_NVIDIA, OSHI_ASPEED);
    }

    @Test
    void recognisesNvidiaByNameOrPciVendorId() {
        assertThat(GpuInventory.isNvidia("NVIDIA Corporation")).isTrue();
        assertThat(GpuInventory.isNvidia("0x10de")).isTrue();
        assertThat(GpuInventory.isNvidia("Advanced Micro Devices, Inc. [AMD/ATI]")).isFalse();
    }
}
