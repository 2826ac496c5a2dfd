package io.octofleet.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.octofleet.agent.inventory.HostInventory.Gpu;
import java.util.List;
import org.junit.jupiter.api.Test;

class NvidiaSmiParserTest {

    private static final long MIB = 1024L * 1024L;

    private static List<Gpu> parse(String fixture) {
        return NvidiaSmiParser.parse(Fixtures.read("nvidia-smi/" + fixture));
    }

    @Test
    void parsesMigEnabledA100() {
        assertThat(parse("a100-sxm4-80gb-mig-enabled.csv")).containsExactly(new Gpu(
                "NVIDIA", "NVIDIA A100-SXM4-80GB", "GPU-7fdaf0a5-179b-f636-d15d-daf243e3ff16",
                81920 * MIB, "535.216.01", "Enabled"));
    }

    @Test
    void parsesEveryGpuOfAnEightWayH100InIndexOrder() {
        List<Gpu> gpus = parse("h100-80gb-hbm3-x8.csv");

        assertThat(gpus).hasSize(8);
        assertThat(gpus).allSatisfy(gpu -> {
            assertThat(gpu.vendor()).isEqualTo("NVIDIA");
            assertThat(gpu.model()).isEqualTo("NVIDIA H100 80GB HBM3");
            assertThat(gpu.vramBytes()).isEqualTo(81559 * MIB);
            assertThat(gpu.driverVersion()).isEqualTo("550.54.15");
            assertThat(gpu.migMode()).isEqualTo("Disabled");
        });
        assertThat(gpus).extracting(Gpu::uuid).doesNotHaveDuplicates()
                .startsWith("GPU-1b7e0d3a-5c49-2f86-9e14-73a0c5d2b6f1")
                .endsWith("GPU-c51a6d3f-49e0-b2f7-0c8d-e6a3912f5b7c");
    }

    @Test
    void readsTheQueryWithoutMigFieldThatPreR450DriversAnswer() {
        assertThat(parse("tesla-p100-driver-418-without-mig.csv")).containsExactly(new Gpu(
                "NVIDIA", "Tesla P100-PCIE-16GB", "GPU-3d9b7a1e-52c4-0f8e-6a77-2c1d9e0b4f11",
                16280L * 1024 * 1024, "418.87.01", ""));
    }

    @Test
    void readsNotApplicableMigModeOfGeForceAsEmpty() {
        assertThat(parse("geforce-rtx-4090.csv")).containsExactly(new Gpu(
                "NVIDIA", "NVIDIA GeForce RTX 4090", "GPU-9e6b3f0a-71d2-c48e-2b5f-a03d8e7c16b4",
                24564 * MIB, "560.35.03", ""));
    }

    @Test
    void parsesTeslaT4WithoutNvidiaPrefixInItsName() {
        assertThat(parse("tesla-t4.csv")).containsExactly(new Gpu(
                "NVIDIA", "Tesla T4", "GPU-3d8f2a61-e5c0-9b74-16a3-f0e72b5c9d48", 15360 * MIB, "470.256.02", ""));
    }

    @Test
    void readsOldDriverOutputWithUnprefixedNameAndBareNotApplicable() {
        assertThat(parse("geforce-rtx-2080-driver-440.csv")).containsExactly(new Gpu(
                "NVIDIA", "GeForce RTX 2080", "GPU-22b2c6ac-2d49-4863-197c-9c469071178a", 7979 * MIB, "440.64", ""));
    }

    @Test
    void parsesColabTeslaT4() {
        assertThat(parse("tesla-t4-colab-driver-460.csv")).containsExactly(new Gpu(
                "NVIDIA", "Tesla T4", "GPU-1b965d81-1d0f-6501-027c-1ecc1437f5ea", 15109 * MIB, "460.32.03", ""));
    }

    @Test
    void skipsHeaderLineOfCsvFormatWithoutNoheader() {
        assertThat(NvidiaSmiParser.parse(
                "index, name, uuid, memory.total [MiB], driver_version, mig.mode.current, pci.bus_id\n"
                        + "0, NVIDIA A100-SXM4-80GB, GPU-7fdaf0a5-179b-f636-d15d-daf243e3ff16, 81920, 535.216.01, "
                        + "Disabled, 00000000:00:05.0\n"))
                .extracting(Gpu::migMode).containsExactly("Disabled");
    }

    @Test
    void keepsGpuWhoseMemoryIsNotAvailableWithZeroVram() {
        List<Gpu> gpus = parse("memory-not-available.csv");

        assertThat(gpus).extracting(Gpu::vramBytes).containsExactly(23028 * MIB, 0L);
        assertThat(gpus.get(1).uuid()).isEqualTo("GPU-b27d5e80-c9a3-14f6-8e0b-2c5d7a91f6e3");
        assertThat(gpus.get(1).driverVersion()).isEqualTo("535.183.01");
    }

    @Test
    void skipsDriverErrorsAndTruncatedLinesInCrlfOutput() {
        assertThat(parse("garbage-crlf.csv")).containsExactly(new Gpu(
                "NVIDIA", "Tesla V100-SXM2-32GB", "GPU-f1c4a7e2-08b9-d35f-6a2e-9c70b3d14e86",
                32768 * MIB, "535.183.01", ""));
    }

    @Test
    void readsNoGpusFromEmptyOrBlankOutput() {
        assertThat(NvidiaSmiParser.parse("")).isEmpty();
        assertThat(NvidiaSmiParser.parse("\n\n  \r\n")).isEmpty();
    }

    @Test
    void readsNotSupportedLikeNotApplicable() {
        assertThat(NvidiaSmiParser.parse("0, NVIDIA L4, GPU-x, 23034, 550.54.15, [Not Supported], 00000000:00:03.0\n"))
                .extracting(Gpu::migMode).containsExactly("");
    }
}
