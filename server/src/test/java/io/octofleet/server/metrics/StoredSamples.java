package io.octofleet.server.metrics;

import io.octofleet.server.TestServer;
import io.octofleet.server.nodes.NodeId;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Stores metric batches through the server's real ingest, for tests that need samples in the database. */
public final class StoredSamples {
    private StoredSamples() {
    }

    /** One batch of one value, in the node's test spool ({@code "test-" + node}); fails unless it is stored. */
    public static void store(TestServer server, NodeId node, long seq, Instant at, String name, String instance,
                             double value) {
        store(server, node, new MetricBatch("test-" + node, seq, at, 0, List.of(new MetricBatch.Value(name, instance, value))));
    }

    /** Submits {@code batch} and waits for its receipt; fails unless it is stored. */
    public static void store(TestServer server, NodeId node, MetricBatch batch) {
        CompletableFuture<String> done = new CompletableFuture<>();
        server.bean(MetricIngest.class).submit(node, batch, new MetricIngest.Receipt() {
            @Override
            public void stored() {
                done.complete("stored");
            }

            @Override
            public void refused(String reason) {
                done.complete("refused: " + reason);
            }

            @Override
            public void retryLater() {
                done.complete("retry later");
            }
        });
        try {
            assertThat(done.get(10, TimeUnit.SECONDS)).as("batch %s of %s", batch.seq(), node).isEqualTo("stored");
        } catch (Exception e) {
            throw new AssertionError("batch " + batch.seq() + " of " + node + " not stored: " + e, e);
        }
    }
}
