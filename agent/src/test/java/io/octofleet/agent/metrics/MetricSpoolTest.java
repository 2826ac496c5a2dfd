package io.octofleet.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.octofleet.proto.agent.v1.MetricBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricSpoolTest {
    @TempDir
    Path dir;

    @Test
    void batchesSurviveARestartInOrderWithTheSameSpoolIdAndNumbering() {
        MetricSpool spool = new MetricSpool(dir, 1024 * 1024);
        spool.append(Instant.ofEpochMilli(1000), values(3));
        spool.append(Instant.ofEpochMilli(2000), values(3));

        MetricSpool reopened = new MetricSpool(dir, 1024 * 1024);
        assertThat(reopened.id()).isEqualTo(spool.id());
        assertThat(reopened.oldest(10, Set.of())).extracting(MetricBatch::getBatchSeq).containsExactly(1L, 2L);
        assertThat(reopened.append(Instant.ofEpochMilli(3000), values(1)).getBatchSeq()).isEqualTo(3);
    }

    @Test
    void acknowledgedBatchesAreGoneAndNumberingGoesOnAfterARestart() {
        MetricSpool spool = new MetricSpool(dir, 1024 * 1024);
        spool.append(Instant.ofEpochMilli(1000), values(2));
        spool.remove(1);
        assertThat(spool.size()).isZero();

        assertThat(new MetricSpool(dir, 1024 * 1024).append(Instant.ofEpochMilli(2000), values(2)).getBatchSeq())
                .as("a seq the server has seen is never used again").isEqualTo(2);
    }

    @Test
    void aFullSpoolDropsTheOldestBatchesAndTheNextBatchSaysHowManySamples() {
        long limit = 64 * 1024;
        MetricSpool spool = new MetricSpool(dir, limit);
        List<MetricBatch> written = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            written.add(spool.append(Instant.ofEpochMilli(1000L * i), values(20)));
        }

        assertThat(spool.bytes()).isLessThanOrEqualTo(limit);
        List<MetricBatch> kept = spool.oldest(1000, Set.of());
        assertThat(kept.get(kept.size() - 1).getBatchSeq()).as("the newest is kept").isEqualTo(200);
        long droppedBatches = 200 - kept.size();
        assertThat(droppedBatches).isPositive();
        assertThat(spool.droppedTotal()).isEqualTo(droppedBatches * 20);
        // Every batch that came after a drop reports the samples dropped since the batch before it; together they
        // account for every dropped sample that happened before the last batch was written.
        long reported = written.stream().mapToLong(MetricBatch::getDroppedSamplesBefore).sum();
        MetricBatch next = spool.append(Instant.ofEpochMilli(999_999), values(1));
        assertThat(reported + next.getDroppedSamplesBefore()).isEqualTo(spool.droppedTotal());
    }

    @Test
    void aCorruptBatchFileIsDroppedAndCountedNotSentOrStuck() throws IOException {
        MetricSpool spool = new MetricSpool(dir, 1024 * 1024);
        spool.append(Instant.ofEpochMilli(1000), values(4));
        spool.append(Instant.ofEpochMilli(2000), values(4));
        try (var files = Files.list(dir)) {
            Path first = files.filter(p -> p.getFileName().toString().startsWith("00000000000000000001-")).findFirst()
                    .orElseThrow();
            Files.write(first, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        }

        assertThat(spool.oldest(10, Set.of())).extracting(MetricBatch::getBatchSeq).containsExactly(2L);
        assertThat(spool.append(Instant.ofEpochMilli(3000), values(1)).getDroppedSamplesBefore()).isEqualTo(4);
    }

    @Test
    void batchesInFlightAreSkipped() {
        MetricSpool spool = new MetricSpool(dir, 1024 * 1024);
        for (int i = 0; i < 5; i++) {
            spool.append(Instant.ofEpochMilli(i), values(1));
        }
        assertThat(spool.oldest(2, Set.of(1L, 2L))).extracting(MetricBatch::getBatchSeq).containsExactly(3L, 4L);
    }

    private static List<Metric> values(int n) {
        List<Metric> values = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            values.add(new Metric("cpu.core.usage", Integer.toString(i), i * 1.5));
        }
        return values;
    }
}
