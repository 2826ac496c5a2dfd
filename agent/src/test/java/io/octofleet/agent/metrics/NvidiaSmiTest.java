package io.octofleet.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class NvidiaSmiTest {
    private static final long MIB = 1024L * 1024L;

    @Test
    void readsABusyH100AsRecordedFromARealDriver() throws IOException {
        List<GpuSample> gpus = NvidiaSmi.parse(resource("h100-busy.xml"));

        assertThat(gpus).hasSize(1);
        GpuSample gpu = gpus.get(0);
        assertThat(gpu.index()).isZero();
        assertThat(gpu.uuid()).isEqualTo("GPU-37d1158c-23ce-0fb2-3f20-eb4abf158f99");
        assertThat(gpu.utilizationPercent()).isEqualTo(100.0);
        assertThat(gpu.memoryUtilizationPercent()).isEqualTo(37.0);
        assertThat(gpu.memoryUsedBytes()).isEqualTo(25203 * MIB);
        assertThat(gpu.memoryTotalBytes()).isEqualTo(81559 * MIB);
        assertThat(gpu.temperatureCelsius()).isEqualTo(54.0);
        // nvidia-smi's own table shows the one-second average (695 W a moment later), not the instantaneous 638 W.
        assertThat(gpu.powerDrawWatts()).isEqualTo(694.02);
        assertThat(gpu.powerLimitWatts()).isEqualTo(700.0);
        assertThat(gpu.smClockMhz()).isEqualTo(1965.0);
        assertThat(gpu.memoryClockMhz()).isEqualTo(2619.0);
        assertThat(gpu.eccCorrectedErrors()).isZero();
        assertThat(gpu.eccUncorrectedErrors()).isZero();
        assertThat(gpu.migEnabled()).isFalse();
        assertThat(gpu.migInstances()).isEmpty();
    }

    @Test
    void agreesWithTheQueryModeCsvOfTheSameIdleGpu() throws IOException {
        GpuSample gpu = NvidiaSmi.parse(resource("h100-idle.xml")).get(0);
        // index, uuid, util, mem util, mem used, mem total, temp, power draw, power limit, sm clock, mem clock, ecc
        String[] csv = resource("h100-idle-query-gpu.csv").strip().split(",\\s*");

        assertThat(gpu.uuid()).isEqualTo(csv[1]);
        assertThat(gpu.utilizationPercent()).isEqualTo(Double.parseDouble(csv[2]));
        assertThat(gpu.memoryUtilizationPercent()).isEqualTo(Double.parseDouble(csv[3]));
        assertThat(gpu.memoryUsedBytes()).isEqualTo(Long.parseLong(csv[4]) * MIB);
        assertThat(gpu.memoryTotalBytes()).isEqualTo(Long.parseLong(csv[5]) * MIB);
        assertThat(gpu.temperatureCelsius()).isCloseTo(Double.parseDouble(csv[6]), org.assertj.core.data.Offset.offset(2.0));
        assertThat(gpu.powerDrawWatts()).isCloseTo(Double.parseDouble(csv[7]), org.assertj.core.data.Offset.offset(15.0));
        assertThat(gpu.powerLimitWatts()).isEqualTo(Double.parseDouble(csv[8]));
        assertThat(gpu.smClockMhz()).isEqualTo(Double.parseDouble(csv[9]));
        assertThat(gpu.memoryClockMhz()).isEqualTo(Double.parseDouble(csv[10]));
        assertThat(gpu.eccUncorrectedErrors()).isEqualTo(Long.parseLong(csv[11]));
    }

    @Test
    void readsEveryMigDeviceWithItsOwnMemory() throws IOException {
        GpuSample gpu = NvidiaSmi.parse(resource("h100-mig-edited.xml")).get(0);

        assertThat(gpu.migEnabled()).isTrue();
        assertThat(gpu.utilizationPercent()).as("not reported per GPU while MIG is on").isNull();
        assertThat(gpu.migInstances()).containsExactly(
                new GpuSample.MigInstance(0, 1, 0, 25203 * MIB, 40448 * MIB, 60),
                new GpuSample.MigInstance(1, 2, 0, 11 * MIB, 40448 * MIB, 60));
    }

    @Test
    void readsTheOldDriverLayoutAndKeepsMissingFiguresNull() throws IOException {
        List<GpuSample> gpus = NvidiaSmi.parse(resource("old-driver-edited.xml"));

        assertThat(gpus).extracting(GpuSample::index).containsExactly(0, 1);
        GpuSample v100 = gpus.get(0);
        assertThat(v100.powerDrawWatts()).isEqualTo(118.42);
        assertThat(v100.powerLimitWatts()).isEqualTo(250.0);
        assertThat(v100.eccCorrectedErrors()).isEqualTo(3L);
        assertThat(v100.eccUncorrectedErrors()).isEqualTo(1L);
        assertThat(v100.migEnabled()).isNull();
        GpuSample geforce = gpus.get(1);
        assertThat(geforce.utilizationPercent()).isNull();
        assertThat(geforce.powerDrawWatts()).isNull();
        assertThat(geforce.powerLimitWatts()).isNull();
        assertThat(geforce.eccUncorrectedErrors()).isNull();
        assertThat(geforce.temperatureCelsius()).isEqualTo(44.0);
        assertThat(geforce.memoryUsedBytes()).isEqualTo(187 * MIB);
    }

    @Test
    void refusesWhatIsNotNvidiaSmiXml() {
        assertThatThrownBy(() -> NvidiaSmi.parse("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NvidiaSmi.parse("<html/>")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsNoGpusFromALogWithoutAny() {
        assertThat(NvidiaSmi.parse("<?xml version=\"1.0\" ?><nvidia_smi_log><attached_gpus>0</attached_gpus></nvidia_smi_log>"))
                .isEmpty();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = NvidiaSmiTest.class.getResourceAsStream("/nvidia-smi-xml/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
