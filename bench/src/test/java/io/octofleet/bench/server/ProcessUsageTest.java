package io.octofleet.bench.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessUsageTest {

    @Test
    void readsThisJvmsResidentSetAndGrowingCpuTime() throws Exception {
        long pid = ProcessHandle.current().pid();
        ProcessUsage before = ProcessUsage.of(pid);
        long until = System.nanoTime() + 200_000_000L;
        long spin = 0;
        while (System.nanoTime() < until) {
            spin++;
        }
        ProcessUsage after = ProcessUsage.of(pid);

        assertThat(spin).isPositive();
        assertThat(before.rssKib()).isGreaterThan(10_000);
        assertThat(before.peakRssKib()).isGreaterThanOrEqualTo(before.rssKib());
        assertThat(after.cpuMillis() - before.cpuMillis()).isGreaterThanOrEqualTo(100);
    }
}
