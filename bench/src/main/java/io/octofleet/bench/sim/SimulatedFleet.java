package io.octofleet.bench.sim;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.octofleet.agent.identity.PinnedCaTrustManager;

import javax.net.ssl.SSLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Many simulated agents in one JVM. Each has its own channel, so its own TCP connection and TLS session with its
 * own client certificate, as real hosts would; they share one Netty event loop group, one callback executor and one
 * timer thread, which is what lets a thousand (and later far more) fit in a small heap.
 */
public final class SimulatedFleet implements AutoCloseable {
    private static final int MAX_PROBLEMS_KEPT = 50;

    private final EventLoopGroup eventLoops;
    private final ExecutorService callbacks;
    private final ScheduledExecutorService timers;
    private final RunBehaviour behaviour;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<SimulatedAgent> agents = new ArrayList<>();
    private final Counters counters = new Counters();

    /** @param threads event loop threads and as many callback threads; the agents' work is tiny, so few suffice */
    public SimulatedFleet(int threads, RunBehaviour behaviour) {
        this.eventLoops = new MultiThreadIoEventLoopGroup(threads, daemon("bench-sim-io"), NioIoHandler.newFactory());
        this.callbacks = Executors.newFixedThreadPool(threads, daemon("bench-sim-callback"));
        this.timers = Executors.newSingleThreadScheduledExecutor(daemon("bench-sim-timer"));
        this.behaviour = behaviour;
    }

    /** Adds an agent for {@code member} and opens its session. */
    public SimulatedAgent start(FleetIdentities.Member member) throws SSLException {
        return start(member, SimulatedAgent.Profile.minimal(member.hostname(), member.index()));
    }

    /** Adds an agent for {@code member} behaving as {@code profile} and opens its session. */
    public synchronized SimulatedAgent start(FleetIdentities.Member member, SimulatedAgent.Profile profile)
            throws SSLException {
        SslContext ssl = GrpcSslContexts.forClient()
                .keyManager(member.identity().privateKey(), member.identity().certificate())
                .trustManager(PinnedCaTrustManager.forCaCertificates(member.identity().caCertificates()))
                .build();
        // The real agent's channel settings (agent session/Channels), on shared threads.
        ManagedChannel channel = NettyChannelBuilder.forAddress(member.server().host(), member.server().port())
                .eventLoopGroup(eventLoops)
                .channelType(NioSocketChannel.class)
                .executor(callbacks)
                .offloadExecutor(callbacks)
                .sslContext(ssl)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .maxInboundMessageSize(4 * 1024 * 1024)
                .build();
        SimulatedAgent agent = new SimulatedAgent(member.hostname(), profile, channel, timers, behaviour,
                Duration.ofSeconds(1), counters);
        channels.add(channel);
        agents.add(agent);
        agent.start();
        return agent;
    }

    public int size() {
        return agents.size();
    }

    /** Agents whose current session has been welcomed. */
    public int connected() {
        return counters.connected.get();
    }

    public int inventoriesStored() {
        return counters.inventories.get();
    }

    public long runsRecorded() {
        return counters.runsRecorded.get();
    }

    /** Sessions that ended after a Welcome (disconnects), not counting {@link #close()}. */
    /** Every agent sends this many metric batches back to back (SimulatedAgent#streamMetrics). */
    public synchronized void streamMetrics(long batches, int values, int window) {
        agents.forEach(a -> a.streamMetrics(batches, values, window));
    }

    /** Metric batches the server acknowledged as stored, over all agents. */
    public long metricBatchesStored() {
        return counters.metricBatches.get();
    }

    /** Periodic metric samples (values) the server acknowledged as stored, over all agents. */
    public long metricSamplesStored() {
        return counters.metricSamples.get();
    }

    /** Periodic metric batches the server asked to send again later because its ingest was full. */
    public long metricRetries() {
        return counters.metricRetries.get();
    }

    /**
     * Everything that went wrong, counted by kind: {@code connect failed: UNAVAILABLE}, {@code session lost:
     * UNAVAILABLE}, {@code inventory rejected}, {@code metric batch refused}, ...
     */
    public Map<String, Long> errorsByKind() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        counters.errors.forEach((kind, count) -> copy.put(kind, count.sum()));
        return copy;
    }

    /** Heartbeats the server acknowledged, over all agents. */
    public long heartbeatsAcked() {
        return counters.heartbeatsAcked.get();
    }

    /** The heartbeat round trips (nanoseconds) seen since the last call, unsorted. */
    public long[] takeHeartbeatRtts() {
        return counters.takeRtts();
    }

    public long sessionsLost() {
        return counters.sessionsLost.get();
    }

    /** Sessions that ended before a Welcome (refused, unreachable). */
    public long connectFailures() {
        return counters.connectFailures.get();
    }

    /** The first problems seen (session losses with their status, rejected inventories), for the report. */
    public List<String> problems() {
        synchronized (counters.problems) {
            return List.copyOf(counters.problems);
        }
    }

    /** Polls {@code condition} every {@code every} until it holds; false when {@code timeout} passed first. */
    public static boolean await(BooleanSupplier condition, Duration timeout, Duration every)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(every.toMillis());
        }
        return true;
    }

    @Override
    public synchronized void close() throws InterruptedException {
        counters.closing = true;
        agents.forEach(SimulatedAgent::stop);
        channels.forEach(ManagedChannel::shutdown);
        for (ManagedChannel channel : channels) {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        }
        timers.shutdownNow();
        callbacks.shutdown();
        eventLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static final class Counters implements SimulatedAgent.Listener {
        final AtomicInteger connected = new AtomicInteger();
        final AtomicInteger inventories = new AtomicInteger();
        final AtomicLong runsRecorded = new AtomicLong();
        final AtomicLong metricBatches = new AtomicLong();
        final AtomicLong sessionsLost = new AtomicLong();
        final AtomicLong connectFailures = new AtomicLong();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        volatile boolean closing;
        final AtomicLong heartbeatsAcked = new AtomicLong();
        final AtomicLong metricSamples = new AtomicLong();
        final AtomicLong metricRetries = new AtomicLong();
        final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> errors =
                new java.util.concurrent.ConcurrentHashMap<>();

        void count(String kind) {
            errors.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.LongAdder()).increment();
        }

        @Override
        public void metricSamplesStored(SimulatedAgent agent, int samples) {
            metricSamples.addAndGet(samples);
        }

        @Override
        public void metricRetryLater(SimulatedAgent agent) {
            metricRetries.incrementAndGet();
        }
        private long[] rtts = new long[1024];
        private int rttCount;

        @Override
        public void heartbeatAcked(SimulatedAgent agent, long rttNanos) {
            heartbeatsAcked.incrementAndGet();
            synchronized (this) {
                if (rttCount == rtts.length) {
                    rtts = java.util.Arrays.copyOf(rtts, rtts.length * 2);
                }
                rtts[rttCount++] = rttNanos;
            }
        }

        synchronized long[] takeRtts() {
            long[] taken = java.util.Arrays.copyOf(rtts, rttCount);
            rttCount = 0;
            return taken;
        }

        @Override
        public void welcomed(SimulatedAgent agent) {
            connected.incrementAndGet();
        }

        @Override
        public void sessionEnded(SimulatedAgent agent, boolean wasWelcomed, Status status) {
            if (wasWelcomed) {
                connected.decrementAndGet();
            }
            if (closing) {
                return;
            }
            (wasWelcomed ? sessionsLost : connectFailures).incrementAndGet();
            count((wasWelcomed ? "session lost: " : "connect failed: ") + status.getCode());
            keep(agent, "session ended: " + status.getCode()
                    + (status.getDescription() == null ? "" : " " + status.getDescription())
                    + (status.getCause() == null ? "" : " (" + status.getCause() + ")"));
        }

        @Override
        public void inventoryStored(SimulatedAgent agent) {
            inventories.incrementAndGet();
        }

        @Override
        public void runRecorded(SimulatedAgent agent, String runId) {
            runsRecorded.incrementAndGet();
        }

        @Override
        public void metricBatchStored(SimulatedAgent agent) {
            metricBatches.incrementAndGet();
        }

        @Override
        public void problem(SimulatedAgent agent, String message) {
            int colon = message.indexOf(':');
            count(colon < 0 ? message : message.substring(0, colon));
            keep(agent, message);
        }

        private void keep(SimulatedAgent agent, String message) {
            synchronized (problems) {
                if (problems.size() < MAX_PROBLEMS_KEPT) {
                    problems.add(agent.hostname() + ": " + message);
                }
            }
        }
    }
}
