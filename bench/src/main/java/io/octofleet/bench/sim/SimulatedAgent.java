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
    }

    private final String hostname;
    private final Channel channel;
    private final ScheduledExecutorService timers;
    private final RunBehaviour behaviour;
    private final Listener listener;
    private final Backoff backoff;
    private final InventoryReport inventory;
    private final String inventoryFingerprint;
    private final long startedUnixMs = System.currentTimeMillis();

    private final Object lock = new Object();
    private final Set<String> knownRuns = new HashSet<>();
    /** Runs with updates the server has not acknowledged yet (or a finish still to come), in assignment order. */
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private Session session;
    private boolean stopped;
    private MetricStream metrics;

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
        this.hostname = hostname;
        this.channel = channel;
        this.timers = timers;
        this.behaviour = behaviour;
        this.listener = listener;
        this.backoff = new Backoff(reconnectBase, Duration.ofSeconds(60));
        this.inventory = SimInventory.of(hostname, index, Instant.now());
        this.inventoryFingerprint = InventoryMessages.fingerprint(inventory);
    }

    public String hostname() {
        return hostname;
    }

    /** Opens the first session; later ones follow by themselves until {@link #stop()}. */
    public void start() {
        connect();
    }

    /** Ends the session and reconnects no more. */
    public void stop() {
        synchronized (lock) {
            stopped = true;
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
            // Empty fingerprint on purpose: the server then asks for the inventory on every connect, the worst case.
            s.send(AgentMessage.newBuilder().setHello(Hello.newBuilder()
                    .setAgentVersion(AGENT_VERSION)
                    .setHostname(hostname)
                    .setInventorySha256("")
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
        private long inventoryAckSeq = -1;
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
                sendInventory();
            }
            // Whatever the last session left unacknowledged goes again, in order; the server stores each once.
            for (Run run : runs.values()) {
                for (RunUpdate update : run.unacked.values()) {
                    send(AgentMessage.newBuilder().setRunUpdate(update));
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
        private void sendInventory() {
            ByteString bytes = inventory.toByteString();
            int chunks = Math.max(1, (bytes.size() + CHUNK_BYTES - 1) / CHUNK_BYTES);
            for (int i = 0; i < chunks; i++) {
                int from = i * CHUNK_BYTES;
                boolean last = i == chunks - 1;
                long sequence = send(AgentMessage.newBuilder().setInventoryChunk(InventoryChunk.newBuilder()
                        .setReportId(inventoryFingerprint)
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
