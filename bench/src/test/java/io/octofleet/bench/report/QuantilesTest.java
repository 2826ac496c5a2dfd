package io.octofleet.bench.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class QuantilesTest {
    @Test
    void quantilesAreNearestRankInMilliseconds() {
        long[] sorted = new long[100];
        for (int i = 0; i < 100; i++) {
            sorted[i] = (i + 1) * 1_000_000L; // 1 ms … 100 ms
        }
        assertThat(Quantiles.ms(sorted, 0.50)).isEqualTo(50.0);
        assertThat(Quantiles.ms(sorted, 0.99)).isEqualTo(99.0);
        assertThat(Quantiles.ms(sorted, 1.0)).isEqualTo(100.0);
        assertThat(Quantiles.ms(new long[]{7_500_000L}, 0.99)).isEqualTo(7.5);
        assertThat(Quantiles.ms(new long[0], 0.5)).isEqualTo(-1);
        assertThat(Quantiles.ms(new long[]{1_234_567L}, 0.5)).as("to 0.01 ms").isEqualTo(1.23);
    }
}
