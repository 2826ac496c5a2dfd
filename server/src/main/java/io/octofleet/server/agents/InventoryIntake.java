package io.octofleet.server.agents;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Value;
import io.octofleet.proto.agent.v1.InventoryReport;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.nodes.NodeId;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Stores inventory reports on a few writer threads of their own, off the threads that serve sessions.
 *
 * <p>A full report is thousands of rows; stored on a session thread, a burst of them (every agent reconnecting after
 * a server restart) took every session thread and held heartbeats, Hellos and job results back for as long as the
 * burst lasted. Here a session hands its report over and goes on; {@link AgentSession} stores one report per
 * session at a time and stops reading from an agent that sends another meanwhile, so:
 * <ul>
 *   <li>the queue holds at most one report per connected session;</li>
 *   <li>a burst of reports is stored at the database's pace, acknowledged later, and nothing is dropped;</li>
 *   <li>heartbeats, Hellos and job results of every session, the reporting ones included, go on meanwhile.</li>
 * </ul>
 */
@Singleton
final class InventoryIntake {
    private static final Logger LOG = LoggerFactory.getLogger(InventoryIntake.class);

    /** How a hand-over ended. */
    sealed interface Outcome {
        /** Stored (or already stored with the same hash). */
        record Stored() implements Outcome {
        }

        /** The agent sent something that is not a report: acknowledged with this error, not retried. */
        record Rejected(String reason) implements Outcome {
        }

        /** Could not be stored now (database down, node deleted meanwhile): the agent must send it again. */
        record Failed(RuntimeException cause) implements Outcome {
        }
    }

    private final InventoryService inventory;
    private final ThreadPoolExecutor writers;

    InventoryIntake(InventoryService inventory, MeterRegistry registry,
                    @Value("${octofleet.inventory.writers:0}") int writers) {
        this.inventory = inventory;
        int threads = writers > 0 ? writers : Math.max(2, Runtime.getRuntime().availableProcessors());
        AtomicInteger count = new AtomicInteger();
        // Unbounded in type only: every queued report belongs to a session that reads nothing more until it is done.
        this.writers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread thread = new Thread(task, "octofleet-inventory-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        Gauge.builder("octofleet.inventory.queue", this.writers, pool -> pool.getQueue().size())
                .description("Inventory reports waiting for a writer").register(registry);
    }

    /**
     * Parses and stores {@code report} on a writer thread, then tells {@code done} (on that thread).
     *
     * @param reportId the report's hash as the agent computed it
     */
    void store(NodeId node, byte[] report, String reportId, Consumer<Outcome> done) {
        writers.execute(() -> {
            Outcome outcome;
            try {
                InventoryReport parsed = InventoryReport.parseFrom(report);
                inventory.store(node, ProtoInventory.toInventory(parsed), reportId,
                        Instant.ofEpochMilli(parsed.getCollectedUnixMs()));
                outcome = new Outcome.Stored();
            } catch (InvalidProtocolBufferException e) {
                outcome = new Outcome.Rejected("inventory report is not a valid InventoryReport: " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("node {}: cannot store its inventory now: {}", node, e.toString());
                outcome = new Outcome.Failed(e);
            }
            done.accept(outcome);
        });
    }

    @PreDestroy
    void close() throws InterruptedException {
        writers.shutdown();
        writers.awaitTermination(10, TimeUnit.SECONDS);
    }
}
