package io.octofleet.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.octofleet.proto.agent.v1.MetricAck;
import io.octofleet.proto.agent.v1.MetricBatch;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsShipperTest {
    @TempDir
    Path dir;

    /** A session's bulk lane as the shipper sees it. */
    static final class Lane implements MetricBatchSink {
        final List<MetricBatch> sent = new CopyOnWriteArrayList<>();

        @Override
        public boolean hasRoom() {
            return true;
        }

        @Override
        public void send(MetricBatch batch) {
            sent.add(batch);
        }
    }

    @Test
    void sendsOldestFirstKeepsAtMostAWindowInFlightAndForgetsWhatIsAcknowledged() throws Exception {
        MetricSpool spool = new MetricSpool(dir, 4 * 1024 * 1024);
        for (int i = 0; i < 40; i++) {
            spool.append(Instant.ofEpochMilli(i), List.of(new Metric("cpu.usage", "", i)));
        }
        try (MetricsShipper shipper = new MetricsShipper(spool)) {
            shipper.start();
            Lane lane = new Lane();
            shipper.connected(lane);
            await(() -> lane.sent.size() == MetricsShipper.IN_FLIGHT);
            Thread.sleep(200);
            assertThat(lane.sent).hasSize(MetricsShipper.IN_FLIGHT);
            assertThat(lane.sent.get(0).getBatchSeq()).isEqualTo(1);

            for (MetricBatch batch : List.copyOf(lane.sent)) {
                shipper.onAck(MetricAck.newBuilder().setSpoolId(spool.id()).setBatchSeq(batch.getBatchSeq()).build());
            }
            await(() -> lane.sent.size() == 2 * MetricsShipper.IN_FLIGHT);
            assertThat(spool.size()).isEqualTo(40 - MetricsShipper.IN_FLIGHT);
        }
    }

    @Test
    void whatWasInFlightWhenTheSessionDiedIsSentAgainOnTheNext() throws Exception {
        MetricSpool spool = new MetricSpool(dir, 4 * 1024 * 1024);
        spool.append(Instant.ofEpochMilli(1), List.of(new Metric("cpu.usage", "", 1)));
        try (MetricsShipper shipper = new MetricsShipper(spool)) {
            shipper.start();
            Lane first = new Lane();
            shipper.connected(first);
            await(() -> first.sent.size() == 1);
            shipper.disconnected(first);

            Lane second = new Lane();
            shipper.connected(second);
            await(() -> second.sent.size() == 1);
            assertThat(second.sent.get(0).getBatchSeq()).isEqualTo(1);
            shipper.onAck(MetricAck.newBuilder().setSpoolId(spool.id()).setBatchSeq(1).setRetryLater(true).build());
            assertThat(spool.size()).as("a batch the server could not take now stays spooled").isEqualTo(1);
            shipper.onAck(MetricAck.newBuilder().setSpoolId(spool.id()).setBatchSeq(1).setError("refused").build());
            assertThat(spool.size()).as("a refused batch is dropped, not re-sent forever").isZero();
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(20);
        }
    }
}
