package io.octofleet.bench.report;

/** Latency quantiles as every benchmark here reports them. */
public final class Quantiles {
    private Quantiles() {
    }

    /** The {@code q} quantile (0–1, nearest rank) of {@code sorted} nanoseconds, in ms to 0.01; -1 for no values. */
    public static double ms(long[] sorted, double q) {
        if (sorted.length == 0) {
            return -1;
        }
        int index = Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1));
        return Math.round(sorted[index] / 1e4) / 100.0;
    }
}
