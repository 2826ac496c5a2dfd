package io.octofleet.agent.metrics;

import io.octofleet.proto.agent.v1.MetricAck;
import io.octofleet.proto.agent.v1.MetricBatch;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves spooled batches to the live session, oldest first, with at most {@link #IN_FLIGHT} awaiting an ack, and
 * deletes each from the spool once the server acknowledges it. Whatever was in flight when a session ends is sent
 * again on the next one; the server stores a batch once however often it arrives.
 */
public final class MetricsShipper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsShipper.class);
    static final int IN_FLIGHT = 16;
    private static final long RETRY_LATER_MS = 5_000;
    private static final long IDLE_WAIT_MS = 1_000;

    private final MetricSpool spool;
    private final Thread thread;
    private final Set<Long> inFlight = new HashSet<>();
    private MetricBatchSink sink;
    private long pausedUntil;
    private boolean signalled;
    private volatile boolean stopped;

    public MetricsShipper(MetricSpool spool) {
        this.spool = spool;
        this.thread = new Thread(this::loop, "octofleet-metrics-shipper");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** A session is up: send the spool to it. */
    public synchronized void connected(MetricBatchSink sink) {
        this.sink = sink;
        inFlight.clear();
        pausedUntil = 0;
        wake();
    }

    /** The session of {@code sink} ended: what it had in flight is sent again on the next one. */
    public synchronized void disconnected(MetricBatchSink sink) {
        if (this.sink == sink) {
            this.sink = null;
            inFlight.clear();
        }
    }

    public synchronized void onAck(MetricAck ack) {
        if (!ack.getSpoolId().equals(spool.id())) {
            return;
        }
        inFlight.remove(ack.getBatchSeq());
        if (ack.getRetryLater()) {
            pausedUntil = System.currentTimeMillis() + RETRY_LATER_MS;
        } else {
            if (!ack.getError().isEmpty()) {
                LOG.warn("Server refused metric batch {}: {}", ack.getBatchSeq(), ack.getError());
            }
            spool.remove(ack.getBatchSeq());
        }
        wake();
    }

    /** A batch was spooled. */
    public synchronized void wake() {
        signalled = true;
        notifyAll();
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        wake();
        thread.join(5000);
    }

    private void loop() {
        while (!stopped) {
            MetricBatchSink current;
            List<MetricBatch> next = List.of();
            synchronized (this) {
                current = sink;
                if (current != null && System.currentTimeMillis() >= pausedUntil && inFlight.size() < IN_FLIGHT) {
                    next = spool.oldest(IN_FLIGHT - inFlight.size(), Set.copyOf(inFlight));
                }
            }
            boolean sent = false;
            for (MetricBatch batch : next) {
                if (!current.hasRoom()) {
                    break;
                }
                synchronized (this) {
                    if (sink != current) {
                        break;
                    }
                    inFlight.add(batch.getBatchSeq());
                }
                current.send(batch);
                sent = true;
            }
            if (!sent) {
                synchronized (this) {
                    if (!signalled && !stopped) {
                        try {
                            wait(IDLE_WAIT_MS);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    signalled = false;
                }
            }
        }
    }
}
