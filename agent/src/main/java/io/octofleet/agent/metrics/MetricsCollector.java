package io.octofleet.agent.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the host (and its GPUs) every interval, spools each sample set as a batch and wakes the shipper. Runs
 * whether or not the server is reachable: that is what the spool is for. The interval comes from the server
 * (Welcome.metrics_interval_seconds, set per organization or group) and can change at every session.
 */
public final class MetricsCollector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsCollector.class);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(15);
    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

    private final HostSampler host;
    private final GpuSampler gpus;
    private final MetricSpool spool;
    private final Runnable spooled;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "octofleet-metrics");
        t.setDaemon(true);
        return t;
    });
    private HostSample previous;
    private Duration interval;
    private ScheduledFuture<?> task;

    public MetricsCollector(HostSampler host, GpuSampler gpus, MetricSpool spool, Runnable spooled) {
        this.host = host;
        this.gpus = gpus;
        this.spool = spool;
        this.spooled = spooled;
    }

    public synchronized void start(Duration interval) {
        schedule(interval);
    }

    /** The server's interval; zero or negative keeps the current one. */
    public synchronized void interval(Duration wanted) {
        if (wanted.isZero() || wanted.isNegative() || wanted.equals(interval)) {
            return;
        }
        LOG.info("Sampling metrics every {} s", Math.max(wanted.getSeconds(), MIN_INTERVAL.getSeconds()));
        schedule(wanted);
    }

    private void schedule(Duration wanted) {
        interval = wanted.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : wanted;
        if (task != null) {
            task.cancel(false);
        }
        task = timer.scheduleAtFixedRate(this::sampleSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sampleSafely() {
        try {
            HostSample current = host.sample();
            List<Metric> values = MetricNames.of(previous, current, gpus.sample());
            previous = current;
            spool.append(current.at(), values);
            spooled.run();
        } catch (RuntimeException e) {
            LOG.warn("Metric sampling failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
