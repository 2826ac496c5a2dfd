package io.octofleet.agent.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NvidiaSmiTelemetryTest {

    @Test
    void readsEveryFigureOfBusyAndIdleGpusInBytesWattsAndMegahertz() throws IOException {
        List<GpuSample> gpus = NvidiaSmiTelemetry.parse(resource("h100-x2-busy.csv"));

        assertThat(gpus).hasSize(2);
        GpuSample busy = gpus.get(0);
        assertThat(busy.index()).isZero();
        assertThat(busy.uuid()).isEqualTo("GPU-3f6b2c1e-9d41-4c0a-8f7e-1b2d3c4e5f60");
        assertThat(busy.utilizationPercent()).isEqualTo(97.0);
        assertThat(busy.memoryUtilizationPercent()).isEqualTo(41.0);
        assertThat(busy.memoryUsedBytes()).isEqualTo(61234L * 1024 * 1024);
        assertThat(busy.memoryTotalBytes()).isEqualTo(81559L * 1024 * 1024);
        assertThat(busy.temperatureCelsius()).isEqualTo(71.0);
        assertThat(busy.powerDrawWatts()).isEqualTo(652.31);
        assertThat(busy.powerLimitWatts()).isEqualTo(700.0);
        assertThat(busy.smClockMhz()).isEqualTo(1980.0);
        assertThat(busy.memoryClockMhz()).isEqualTo(2619.0);
        assertThat(busy.eccUncorrectedErrors()).isZero();
        // idle is 0, not "no reading"
        assertThat(gpus.get(1).utilizationPercent()).isEqualTo(0.0);
        assertThat(gpus.get(1).eccUncorrectedErrors()).isEqualTo(2L);
    }

    @Test
    void figuresABoardDoesNotReportAreMissingNotZero() throws IOException {
        GpuSample old = NvidiaSmiTelemetry.parse(resource("gtx770-old-driver.csv")).get(0);

        assertThat(old.utilizationPercent()).isNull();
        assertThat(old.powerDrawWatts()).isNull();
        assertThat(old.powerLimitWatts()).isNull();
        assertThat(old.eccUncorrectedErrors()).isNull();
        assertThat(old.memoryUsedBytes()).isEqualTo(1024L * 1024 * 1024);
        assertThat(old.temperatureCelsius()).isEqualTo(44.0);
    }

    @Test
    void headersDriverErrorsAndTruncatedLinesAreSkippedWithoutLosingTheOtherGpus() throws IOException {
        List<GpuSample> gpus = NvidiaSmiTelemetry.parse(resource("garbage.csv"));

        assertThat(gpus).extracting(GpuSample::uuid).containsExactly("GPU-5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
        assertThat(gpus.get(0).powerDrawWatts()).isEqualTo(61.5);
        assertThat(NvidiaSmiTelemetry.parse("No devices were found\n")).isEmpty();
        assertThat(NvidiaSmiTelemetry.parse("")).isEmpty();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = NvidiaSmiTelemetryTest.class.getResourceAsStream("/nvidia-smi-telemetry/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
