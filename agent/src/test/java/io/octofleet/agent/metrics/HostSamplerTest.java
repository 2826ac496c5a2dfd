package io.octofleet.agent.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Samples this very machine through OSHI (the real /proc and /sys), twice. */
class HostSamplerTest {

    @Test
    void theSecondSampleHasCpuUsageAndEverySampleHasPlausibleFiguresOfThisMachine() throws Exception {
        HostSampler sampler = new HostSampler();
        HostSample first = sampler.sample();
        busyWork();
        HostSample second = sampler.sample();

        assertThat(first.cpuUsagePercent()).as("no previous ticks yet").isNull();
        assertThat(first.cpuCoreUsagePercent()).isEmpty();
        assertThat(second.cpuUsagePercent()).isBetween(0.0, 100.0);
        assertThat(second.cpuCoreUsagePercent()).hasSize(Runtime.getRuntime().availableProcessors())
                .allSatisfy(core -> assertThat(core).isBetween(0.0, 100.0));
        assertThat(second.load1()).isNotNull().isGreaterThanOrEqualTo(0.0);
        assertThat(second.memoryTotalBytes()).isGreaterThan(0);
        assertThat(second.memoryUsedBytes()).isBetween(1L, second.memoryTotalBytes());
        assertThat(second.swapUsedBytes()).isBetween(0L, Math.max(0L, second.swapTotalBytes()));
        assertThat(second.fileSystems()).anySatisfy(fs -> {
            assertThat(fs.mount()).isEqualTo("/");
            assertThat(fs.totalBytes()).isGreaterThan(0);
            assertThat(fs.usedBytes()).isBetween(0L, fs.totalBytes());
        });
        assertThat(second.nics()).allSatisfy(nic -> assertThat(nic.rxBytes()).isGreaterThanOrEqualTo(0));
        assertThat(second.processes()).isGreaterThan(1);
        assertThat(second.uptimeSeconds()).isGreaterThan(0);
        assertThat(second.at()).isAfter(first.at());
    }

    private static void busyWork() throws InterruptedException {
        long end = System.nanoTime() + 200_000_000L;
        long x = 0;
        while (System.nanoTime() < end) {
            x += System.nanoTime() % 7;
        }
        assertThat(x).isNotNegative();
        Thread.sleep(50);
    }
}
