package io.octofleet.bench.heartbeat;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HeartbeatResultTest {
    @Test
    void quantilesAreNearestRankInMilliseconds() {
        long[] sorted = new long[100];
        for (int i = 0; i < 100; i++) {
            sorted[i] = (i + 1) * 1_000_000L; // 1 ms … 100 ms
        }
        assertThat(HeartbeatResult.quantileMs(sorted, 0.50)).isEqualTo(50.0);
        assertThat(HeartbeatResult.quantileMs(sorted, 0.99)).isEqualTo(99.0);
        assertThat(HeartbeatResult.quantileMs(sorted, 1.0)).isEqualTo(100.0);
        assertThat(HeartbeatResult.quantileMs(new long[]{7_500_000L}, 0.99)).isEqualTo(7.5);
        assertThat(HeartbeatResult.quantileMs(new long[0], 0.5)).isEqualTo(-1);
    }
}
