package io.octofleet.bench.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessUsageTest {

    @Test
    void readsThisJvmsResidentSetAndGrowingCpuTime() throws Exception {
        long pid = ProcessHandle.current().pid();
        ProcessUsage before = ProcessUsage.of(pid);
        // Spin for 200 ms of this thread's own CPU time, not wall time: on a busy machine wall time says little.
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long until = threads.getCurrentThreadCpuTime() + 200_000_000L;
        long spin = 0;
        while (threads.getCurrentThreadCpuTime() < until) {
            spin++;
        }
        ProcessUsage after = ProcessUsage.of(pid);

        assertThat(spin).isPositive();
        assertThat(before.rssKib()).isGreaterThan(10_000);
        assertThat(before.peakRssKib()).isGreaterThanOrEqualTo(before.rssKib());
        assertThat(after.cpuMillis() - before.cpuMillis()).isGreaterThanOrEqualTo(180);
    }
}
