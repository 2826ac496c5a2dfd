package io.octofleet.bench.sim;

import io.octofleet.agent.session.Backoff;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.octofleet.agent.session.InventoryMessages;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.AgentSessionGrpc;
import io.octofleet.proto.agent.v1.Heartbeat;
import io.octofleet.proto.agent.v1.Hello;
import io.octofleet.proto.agent.v1.InventoryChunk;
import io.octofleet.proto.agent.v1.InventoryReport;
import io.octofleet.proto.agent.v1.RunAssignment;
import io.octofleet.proto.agent.v1.RunFinished;
import io.octofleet.proto.agent.v1.RunOutput;
import io.octofleet.proto.agent.v1.RunStarted;
import io.octofleet.proto.agent.v1.RunUpdate;
import io.octofleet.proto.agent.v1.ServerMessage;
import io.octofleet.proto.agent.v1.Welcome;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One simulated agent speaking the real session protocol (session.proto) over its own channel: Hello, inventory when
 * the server asks for it, heartbeats at the interval Welcome gives, and for every {@link RunAssignment} the updates a
 * real agent would send for {@code true} — started (run_seq 1), output (2), finished (3) — kept until the server's
 * {@code RunAck} covers them and sent again, in order, after a reconnect. Assignments it already knows are ignored.
 *
 * <p>It runs no threads of its own: gRPC callbacks arrive on the channel's executor and timers on a shared scheduler,
 * so thousands fit in one JVM. All state is guarded by one lock per agent; listener calls are made outside it.
 *
 * <p>Unlike the real agent it keeps its journal in memory (a restarted benchmark is a new fleet) and does not wait
 * for gRPC flow control: its messages are a few hundred bytes, which the transport buffers.
 */
public final class SimulatedAgent {
    public static final String AGENT_VERSION = "bench-sim";
    private static final int CHUNK_BYTES = 64 * 1024;

    /** What a fleet learns from its agents; called on gRPC or timer threads, never while the agent holds its lock. */
    public interface Listener {
        void welcomed(SimulatedAgent agent);

        void sessionEnded(SimulatedAgent agent, boolean wasWelcomed, Status status);

        void inventoryStored(SimulatedAgent agent);

        /** The server acknowledged every update of the run, the finished one included. */
        void runRecorded(SimulatedAgent agent, String runId);

        /** Something a real agent would log as an error, e.g. a rejected inventory. */
        void problem(SimulatedAgent agent, String message);

        /** The server acknowledged one metric batch as stored. */
        default void metricBatchStored(SimulatedAgent agent) {
        }

        /** The server acknowledged a heartbeat as written, {@code rttNanos} after it was sent. */
        default void heartbeatAcked(SimulatedAgent agent, long rttNanos) {
        }

        /** The server stored a periodic metric batch of {@code samples} values ({@link Profile#metrics}). */
        default void metricSamplesStored(SimulatedAgent agent, int samples) {
        }

        /** The server's ingest was full and asked for a periodic batch again later (back-pressure, not loss). */
        default void metricRetryLater(SimulatedAgent agent) {
        }
    }

    /**
     * How an agent behaves beyond sessions and jobs.
     *
     * @param inventory its report after a number of changes, collected at a time (unix ms)
     * @param metrics its metric sample set at a time (unix ms), sent every Welcome.metrics_interval_seconds like the
     *                real agent's collector and shipper; null sends none
     * @param helloWithFingerprint send the report's fingerprint in Hello, as the real agent does, so the server asks
     *                             for the report only when it lacks it; false makes every connect send it
     * @param inventoryChangesPerHour how often (on average, at random) the host changes (one package upgraded) and
     *                                sends its new report; 0 never
     * @param inventoryGate when not null, a report the server asks for waits until this completes (a burst of
     *                      first reports, sent together whatever the connect rate); null sends it at once
     */
    public record Profile(java.util.function.BiFunction<Integer, Long, InventoryReport> inventory,
                          java.util.function.LongFunction<io.octofleet.proto.agent.v1.MetricBatch.Builder> metrics,
                          boolean helloWithFingerprint, double inventoryChangesPerHour,
                          java.util.concurrent.CompletableFuture<Void> inventoryGate) {

        /** The benchmarks before the load generator: a tiny inventory sent on every connect, no periodic metrics. */
        static Profile minimal(String hostname, int index) {
            return new Profile((changes, at) -> SimInventory.of(hostname, index, Instant.ofEpochMilli(at)), null,
                    false, 0, null);
        }

        /** A host drawn from a template, behaving like the real agent. */
        public static Profile of(HostTemplate.Host host, boolean helloWithFingerprint, double inventoryChangesPerHour,
                                 java.util.concurrent.CompletableFuture<Void> inventoryGate) {
            return new Profile(host::report, host::metrics, helloWithFingerprint, inventoryChangesPerHour,
                    inventoryGate);
        }
    }

    private final String hostname;
    private final Channel channel;
    private final ScheduledExecutorService timers;
    private final RunBehaviour behaviour;
    private final Listener listener;
    private final Backoff backoff;
    private final Profile profile;
    /** Changes made so far (Profile#inventory); guarded by the lock. */
    private int inventoryChanges;
    /** Of the current report; null until needed after a change. Guarded by the lock. */
    private String inventoryFingerprint;
    /** A changed report waits while the previous one is in flight. */
    private boolean inventoryChangedWhileSending;
    private PeriodicMetrics periodic;
    private ScheduledFuture<?> changeTimer;
    private final long startedUnixMs = System.currentTimeMillis();

    private final Object lock = new Object();
    private final Set<String> knownRuns = new HashSet<>();
    /** Runs with updates the server has not acknowledged yet (or a finish still to come), in assignment order. */
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private Session session;
    private boolean stopped;
    private MetricStream metrics;

    /** The real agent's collector and spool in small: a batch per interval, kept until acknowledged. */
    private final class PeriodicMetrics {
        static final int SPOOL_BATCHES = 240;
        final String spoolId = java.util.UUID.randomUUID().toString();
        final TreeMap<Long, io.octofleet.proto.agent.v1.MetricBatch> unacked = new TreeMap<>();
        final Set<Long> inFlight = new HashSet<>();
        long nextSeq = 1;
        ScheduledFuture<?> sampler;

        void sample() {
            synchronized (lock) {
                if (stopped) {
                    return;
                }
                long now = System.currentTimeMillis();
                io.octofleet.proto.agent.v1.MetricBatch batch = profile.metrics().apply(now).setSpoolId(spoolId)
                        .setBatchSeq(nextSeq++).setAtUnixMs(now).build();
                unacked.put(batch.getBatchSeq(), batch);
                if (unacked.size() > SPOOL_BATCHES) {
                    inFlight.remove(unacked.pollFirstEntry().getKey()); // a full spool drops its oldest
                }
                send(batch);
            }
        }

        /** With the lock held. */
        void send(io.octofleet.proto.agent.v1.MetricBatch batch) {
            if (session != null && session.welcomed && inFlight.add(batch.getBatchSeq())) {
                session.send(AgentMessage.newBuilder().setMetricBatch(batch));
            }
        }

        /** With the lock held: a new session sends what the last one left unacknowledged, oldest first. */
        void resendAll() {
            inFlight.clear();
            unacked.values().forEach(this::send);
        }

        /** With the lock held; true when it was one of ours. */
        boolean acknowledged(io.octofleet.proto.agent.v1.MetricAck ack, List<Runnable> notices) {
            if (!spoolId.equals(ack.getSpoolId()) || !inFlight.remove(ack.getBatchSeq())) {
                return false;
            }
            long seq = ack.getBatchSeq();
            if (ack.getRetryLater()) {
                notices.add(() -> listener.metricRetryLater(SimulatedAgent.this));
                timers.schedule(() -> {
                    synchronized (lock) {
                        io.octofleet.proto.agent.v1.MetricBatch batch = unacked.get(seq);
                        if (batch != null) {
                            send(batch);
                        }
                    }
                }, 1, TimeUnit.SECONDS);
                return true;
            }
            io.octofleet.proto.agent.v1.MetricBatch batch = unacked.remove(seq);
            if (!ack.getError().isEmpty()) {
                notices.add(() -> listener.problem(SimulatedAgent.this, "metric batch refused: " + ack.getError()));
            } else if (batch != null) {
                int samples = batch.getValuesCount();
                notices.add(() -> listener.metricSamplesStored(SimulatedAgent.this, samples));
            }
            return true;
        }
    }

    /** A stream of metric batches as a real agent's spool would send them after an outage: back to back. */
    private static final class MetricStream {
        final String spoolId = java.util.UUID.randomUUID().toString();
        final io.octofleet.proto.agent.v1.MetricBatch.Builder template;
        final long total;
        final int window;
        final Set<Long> inFlight = new HashSet<>();
        long next = 1;

        MetricStream(long total, int values, int window) {
            this.total = total;
            this.window = window;
            template = io.octofleet.proto.agent.v1.MetricBatch.newBuilder().setSpoolId(spoolId);
            for (int i = 0; i < values; i++) {
                // The shape of a real host's set: per-core CPU, file systems, NICs; names from docs/agent.md.
                String name = switch (i % 6) {
                    case 0 -> "cpu.core.usage";
                    case 1 -> "fs.free.pct";
                    case 2 -> "nic.rx.bps";
                    case 3 -> "nic.tx.bps";
                    case 4 -> "disk.read.bps";
                    default -> "gpu.util";
                };
                template.addValues(io.octofleet.proto.agent.v1.MetricValue.newBuilder().setName(name)
                        .setInstance(Integer.toString(i / 6)).setValue(i * 1.25));
            }
        }
    }

    /**
     * Sends {@code batches} metric batches of {@code values} figures each, keeping at most {@code window} awaiting
     * an ack (as the real agent's shipper does), stamped with the time they are sent.
     */
    public void streamMetrics(long batches, int values, int window) {
        synchronized (lock) {
            metrics = new MetricStream(batches, values, window);
            if (session != null && session.welcomed) {
                session.pumpMetrics();
            }
        }
    }

    private static final class Run {
        final String id;
        long lastSeq;
        long finishedSeq;
        ScheduledFuture<?> finishing;
        final TreeMap<Long, RunUpdate> unacked = new TreeMap<>();

        Run(String id) {
            this.id = id;
        }
    }

    /**
     * @param index makes the inventory unique (MAC, address); usually the number in the host name
     * @param reconnectBase the smallest delay before reconnecting; the real agent uses one second
     */
    public SimulatedAgent(String hostname, int index, Channel channel, ScheduledExecutorService timers,
                          RunBehaviour behaviour, Duration reconnectBase, Listener listener) {
        this(hostname, Profile.minimal(hostname, index), channel, timers, behaviour, reconnectBase, listener);
    }

    /** An agent behaving as {@code profile} says. */
    public SimulatedAgent(String hostname, Profile profile, Channel channel, ScheduledExecutorService timers,
                          RunBehaviour behaviour, Duration reconnectBase, Listener listener) {
        this.hostname = hostname;
        this.channel = channel;
        this.timers = timers;
        this.behaviour = behaviour;
        this.listener = listener;
        this.backoff = new Backoff(reconnectBase, Duration.ofSeconds(60));
        this.profile = profile;
    }

    /** With the lock held: the fingerprint of the current report, computed once per change. */
    private String fingerprint() {
        if (inventoryFingerprint == null) {
            inventoryFingerprint = InventoryMessages.fingerprint(profile.inventory().apply(inventoryChanges, 0L));
        }
        return inventoryFingerprint;
    }

    /** With the lock held: the next change at a random (exponential) delay, so changes arrive as a Poisson stream. */
    private void scheduleChange() {
        double meanSeconds = 3600.0 / profile.inventoryChangesPerHour();
        long delayMs = (long) (-Math.log(1 - java.util.concurrent.ThreadLocalRandom.current().nextDouble())
                * meanSeconds * 1000);
        changeTimer = timers.schedule(this::change, Math.max(1, delayMs), TimeUnit.MILLISECONDS);
    }

    private void change() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            inventoryChanges++;
            inventoryFingerprint = null;
            if (session != null && session.welcomed) {
                if (session.inventoryAckSeq >= 0) {
                    inventoryChangedWhileSending = true;
                } else {
                    session.sendInventory();
                }
            }
            scheduleChange();
        }
    }

    public String hostname() {
        return hostname;
    }

    /** Opens the first session; later ones follow by themselves until {@link #stop()}. */
    public void start() {
        synchronized (lock) {
            if (profile.inventoryChangesPerHour() > 0) {
                scheduleChange();
            }
        }
        connect();
    }

    /** Ends the session and reconnects no more. */
    public void stop() {
        synchronized (lock) {
            stopped = true;
            if (changeTimer != null) {
                changeTimer.cancel(false);
            }
            if (periodic != null && periodic.sampler != null) {
                periodic.sampler.cancel(false);
            }
            runs.values().forEach(r -> {
                if (r.finishing != null) {
                    r.finishing.cancel(false);
                }
            });
            if (session != null) {
                session.call.cancel("simulated agent stopping", null);
            }
        }
    }

    private void resendMetricBatch(long seq) {
        synchronized (lock) {
            if (session != null && session.welcomed && metrics != null && metrics.inFlight.add(seq)) {
                session.send(AgentMessage.newBuilder().setMetricBatch(metrics.template.clone().setBatchSeq(seq)
                        .setAtUnixMs(System.currentTimeMillis())));
            }
        }
    }

    /** Updates sent or waiting to be sent that the server has not acknowledged. */
    public int unacknowledgedUpdates() {
        synchronized (lock) {
            return runs.values().stream().mapToInt(r -> r.unacked.size()).sum();
        }
    }

    private void connect() {
        synchronized (lock) {
            if (stopped || session != null) {
                return;
            }
            Session s = new Session();
            session = s;
            AgentSessionGrpc.newStub(channel).connect(s);
            // Empty unless the profile says otherwise: the server then asks for the inventory on every connect.
            s.send(AgentMessage.newBuilder().setHello(Hello.newBuilder()
                    .setAgentVersion(AGENT_VERSION)
                    .setHostname(hostname)
                    .setInventorySha256(profile.helloWithFingerprint() ? fingerprint() : "")
                    .setAgentStartedUnixMs(startedUnixMs)));
        }
    }

    // --- runs; every method below is called with the lock held -------------------------------------------------

    private void assign(RunAssignment assignment) {
        String id = assignment.getRunId();
        if (!knownRuns.add(id)) {
            return; // a re-send after a reconnect: already started (and maybe finished) here
        }
        Run run = new Run(id);
        runs.put(id, run);
        if (assignment.getExpiresUnixMs() > 0 && System.currentTimeMillis() > assignment.getExpiresUnixMs()) {
            finish(run, RunFinished.newBuilder().setOutcome(RunFinished.Outcome.FAILED)
                    .setReason("assignment expired before it reached the agent"));
            return;
        }
        emit(run, RunUpdate.newBuilder().setStarted(RunStarted.getDefaultInstance()));
        emit(run, RunUpdate.newBuilder().setOutput(RunOutput.newBuilder()
                .setStream(RunOutput.Stream.STDOUT)
                .setData(ByteString.copyFrom(behaviour.output()))));
        Duration delay = behaviour.finishDelay();
        if (delay.isZero()) {
            finishSucceeded(run);
        } else {
            run.finishing = timers.schedule(() -> {
                synchronized (lock) {
                    if (run.finishedSeq == 0 && !stopped) {
                        finishSucceeded(run);
                    }
                }
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void finishSucceeded(Run run) {
        finish(run, RunFinished.newBuilder().setOutcome(RunFinished.Outcome.SUCCEEDED).setExitCode(0));
    }

    private void finish(Run run, RunFinished.Builder finished) {
        run.finishedSeq = emit(run, RunUpdate.newBuilder().setFinished(finished));
    }

    private void cancel(String runId) {
        Run run = runs.get(runId);
        if (run == null || run.finishedSeq != 0) {
            return; // unknown or already ended: nothing new to say
        }
        if (run.finishing != null) {
            run.finishing.cancel(false);
        }
        finish(run, RunFinished.newBuilder().setOutcome(RunFinished.Outcome.CANCELLED).setReason("cancelled"));
    }

    /** Numbers the update, keeps it until acknowledged, and sends it now if a session is up. */
    private long emit(Run run, RunUpdate.Builder update) {
        RunUpdate numbered = update.setRunId(run.id).setRunSeq(++run.lastSeq)
                .setAtUnixMs(System.currentTimeMillis()).build();
        run.unacked.put(numbered.getRunSeq(), numbered);
        if (session != null && session.welcomed) {
            session.send(AgentMessage.newBuilder().setRunUpdate(numbered));
        }
        return numbered.getRunSeq();
    }

    /** @return whether the run is now wholly recorded */
    private boolean acknowledge(String runId, long throughSeq) {
        Run run = runs.get(runId);
        if (run == null) {
            return false;
        }
        run.unacked.headMap(throughSeq, true).clear();
        if (run.finishedSeq != 0 && throughSeq >= run.finishedSeq) {
            runs.remove(runId);
            return true;
        }
        return false;
    }

    /** One Connect call. */
    private final class Session implements ClientResponseObserver<AgentMessage, ServerMessage> {
        private ClientCallStreamObserver<AgentMessage> call;
        private long seq;
        private boolean welcomed;
        private boolean ended;
        private ScheduledFuture<?> heartbeats;
        long inventoryAckSeq = -1;
        /** seq → System.nanoTime() of the heartbeats not acknowledged yet (a server without acks: a few at most). */
        private final Map<Long, Long> heartbeatsSent = new HashMap<>();

        @Override
        public void beforeStart(ClientCallStreamObserver<AgentMessage> requestStream) {
            call = requestStream;
        }

        /** Called with the lock held; returns the sequence number the message went out with. */
        long send(AgentMessage.Builder message) {
            if (ended) {
                return -1;
            }
            long sequence = ++seq;
            try {
                call.onNext(message.setSeq(sequence).build());
            } catch (RuntimeException callGone) {
                // the call ended under us; onError follows and reconnects
            }
            return sequence;
        }

        @Override
        public void onNext(ServerMessage message) {
            List<Runnable> notices = new ArrayList<>(1);
            synchronized (lock) {
                if (session != this) {
                    return;
                }
                switch (message.getKindCase()) {
                    case WELCOME -> welcome(message.getWelcome(), notices);
                    case ACK -> {
                        if (message.getAck().getSeq() == inventoryAckSeq) {
                            inventoryAckSeq = -1;
                            String error = message.getAck().getError();
                            notices.add(error.isEmpty() ? () -> listener.inventoryStored(SimulatedAgent.this)
                                    : () -> listener.problem(SimulatedAgent.this, "inventory rejected: " + error));
                            if (inventoryChangedWhileSending) {
                                inventoryChangedWhileSending = false;
                                sendInventory();
                            }
                        }
                    }
                    case HEARTBEAT_ACK -> {
                        Long sent = heartbeatsSent.remove(message.getHeartbeatAck().getHeartbeatSeq());
                        if (sent != null) {
                            long rtt = System.nanoTime() - sent;
                            notices.add(() -> listener.heartbeatAcked(SimulatedAgent.this, rtt));
                        }
                    }
                    case RUN_ASSIGNMENT -> assign(message.getRunAssignment());
                    case RUN_ACK -> {
                        String runId = message.getRunAck().getRunId();
                        if (acknowledge(runId, message.getRunAck().getThroughSeq())) {
                            notices.add(() -> listener.runRecorded(SimulatedAgent.this, runId));
                        }
                    }
                    case CANCEL_RUN -> cancel(message.getCancelRun().getRunId());
                    case METRIC_ACK -> {
                        io.octofleet.proto.agent.v1.MetricAck ack = message.getMetricAck();
                        if (periodic != null && periodic.acknowledged(ack, notices)) {
                            break;
                        }
                        if (metrics != null && metrics.spoolId.equals(ack.getSpoolId())
                                && metrics.inFlight.remove(ack.getBatchSeq())) {
                            if (ack.getRetryLater()) {
                                long seq = ack.getBatchSeq();
                                timers.schedule(() -> resendMetricBatch(seq), 100, TimeUnit.MILLISECONDS);
                            } else {
                                if (!ack.getError().isEmpty()) {
                                    notices.add(() -> listener.problem(SimulatedAgent.this,
                                            "metric batch refused: " + ack.getError()));
                                }
                                notices.add(() -> listener.metricBatchStored(SimulatedAgent.this));
                                pumpMetrics();
                            }
                        }
                    }
                    default -> {
                        // a newer server's message kind: a real agent ignores it too
                    }
                }
            }
            notices.forEach(Runnable::run);
        }

        private void welcome(Welcome welcome, List<Runnable> notices) {
            if (welcomed) {
                return;
            }
            welcomed = true;
            backoff.reset();
            long interval = Math.max(1, welcome.getHeartbeatIntervalSeconds());
            heartbeats = timers.scheduleAtFixedRate(this::heartbeat, interval, interval, TimeUnit.SECONDS);
            if (!welcome.getInventoryCurrent()) {
                java.util.concurrent.CompletableFuture<Void> gate = profile.inventoryGate();
                if (gate == null || gate.isDone()) {
                    sendInventory();
                } else {
                    Session held = this;
                    gate.thenRun(() -> timers.execute(() -> {
                        synchronized (lock) {
                            if (!stopped && session == held && held.inventoryAckSeq < 0) {
                                held.sendInventory();
                            }
                        }
                    }));
                }
            }
            // Whatever the last session left unacknowledged goes again, in order; the server stores each once.
            for (Run run : runs.values()) {
                for (RunUpdate update : run.unacked.values()) {
                    send(AgentMessage.newBuilder().setRunUpdate(update));
                }
            }
            if (profile.metrics() != null) {
                if (periodic == null) {
                    periodic = new PeriodicMetrics();
                    long every = Math.max(1, welcome.getMetricsIntervalSeconds()) * 1000L;
                    // Hosts started together sample at different moments, as real hosts booted apart would.
                    long first = java.util.concurrent.ThreadLocalRandom.current().nextLong(every);
                    PeriodicMetrics p = periodic;
                    p.sampler = timers.scheduleAtFixedRate(p::sample, first, every, TimeUnit.MILLISECONDS);
                } else {
                    periodic.resendAll();
                }
            }
            if (metrics != null) {
                metrics.inFlight.clear();
                metrics.next = Math.max(1, metrics.next - metrics.window);
                pumpMetrics();
            }
            notices.add(() -> listener.welcomed(SimulatedAgent.this));
        }

        /** Called with the lock held: fills the window. */
        void pumpMetrics() {
            MetricStream stream = metrics;
            while (stream.inFlight.size() < stream.window && stream.next <= stream.total) {
                long seq = stream.next++;
                stream.inFlight.add(seq);
                send(AgentMessage.newBuilder().setMetricBatch(stream.template.clone().setBatchSeq(seq)
                        .setAtUnixMs(System.currentTimeMillis())));
            }
        }

        private void heartbeat() {
            synchronized (lock) {
                if (session == this) {
                    long sent = System.nanoTime();
                    long seq = send(AgentMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                            .setSentUnixMs(System.currentTimeMillis())));
                    if (seq > 0) {
                        if (heartbeatsSent.size() >= 16) {
                            heartbeatsSent.clear(); // a server that does not acknowledge heartbeats
                        }
                        heartbeatsSent.put(seq, sent);
                    }
                }
            }
        }

        /** Cut into chunks like the real agent's, though a simulated report always fits one. */
        void sendInventory() {
            InventoryReport inventory = profile.inventory().apply(inventoryChanges, System.currentTimeMillis());
            String reportId = fingerprint();
            ByteString bytes = inventory.toByteString();
            int chunks = Math.max(1, (bytes.size() + CHUNK_BYTES - 1) / CHUNK_BYTES);
            for (int i = 0; i < chunks; i++) {
                int from = i * CHUNK_BYTES;
                boolean last = i == chunks - 1;
                long sequence = send(AgentMessage.newBuilder().setInventoryChunk(InventoryChunk.newBuilder()
                        .setReportId(reportId)
                        .setIndex(i)
                        .setLast(last)
                        .setData(bytes.substring(from, Math.min(bytes.size(), from + CHUNK_BYTES)))));
                if (last) {
                    inventoryAckSeq = sequence;
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            ended(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            ended(Status.UNAVAILABLE.withDescription("server ended the session"));
        }

        private void ended(Status status) {
            boolean wasWelcomed;
            synchronized (lock) {
                if (ended) {
                    return;
                }
                ended = true;
                wasWelcomed = welcomed;
                if (heartbeats != null) {
                    heartbeats.cancel(false);
                }
                if (session == this) {
                    session = null;
                }
                // UNAUTHENTICATED means the node was deleted and its certificate revoked: a real agent stops too.
                if (!stopped && status.getCode() != Status.Code.UNAUTHENTICATED) {
                    timers.schedule(SimulatedAgent.this::connect, backoff.next().toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            listener.sessionEnded(SimulatedAgent.this, wasWelcomed, status);
        }
    }
}
