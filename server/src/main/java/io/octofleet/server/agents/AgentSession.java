package io.octofleet.server.agents;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.octofleet.proto.agent.v1.Ack;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.Heartbeat;
import io.octofleet.proto.agent.v1.HeartbeatAck;
import io.octofleet.proto.agent.v1.Hello;
import io.octofleet.proto.agent.v1.InventoryChunk;
import io.octofleet.proto.agent.v1.ServerMessage;
import io.octofleet.proto.agent.v1.Welcome;
import io.octofleet.proto.agent.v1.MetricAck;
import io.octofleet.server.metrics.MetricIngest;
import io.octofleet.server.metrics.MetricIntervals;
import io.micronaut.json.JsonMapper;
import io.octofleet.proto.agent.v1.RunAck;
import io.octofleet.proto.agent.v1.RunUpdate;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.jobs.AgentCommand;
import io.octofleet.server.jobs.JobEngine;
import io.octofleet.server.jobs.RunId;
import io.octofleet.server.jobs.RunRecorder;
import io.octofleet.server.nodes.AgentFacts;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One agent's live session (one Connect stream). gRPC delivers inbound messages of a stream one at a time, so the
 * inbound state needs no locking; outbound writes are synchronized because {@link #terminate} may come from another
 * thread (node deleted, superseded).
 */
final class AgentSession implements StreamObserver<AgentMessage> {
    private static final Logger LOG = LoggerFactory.getLogger(AgentSession.class);
    // A full inventory with tens of thousands of packages is a few MB; anything far beyond is a broken agent.
    static final int MAX_REPORT_BYTES = 32 * 1024 * 1024;

    private final NodeId node;
    private final UUID sessionId = UUID.randomUUID();
    private final ServerCallStreamObserver<ServerMessage> out;
    private final NodeService nodes;
    private final InventoryService inventory;
    private final SessionRegistry registry;
    private final Duration heartbeatInterval;
    private final RunRecorder recorder;
    private final JobEngine jobs;
    private final JsonMapper json;
    private final MetricIngest metrics;
    private final MetricIntervals intervals;
    private final SessionMeters meters;
    private final Heartbeats heartbeats;
    private final InventoryIntake intake;

    private long outSeq;
    private volatile boolean helloSeen;
    private final AtomicBoolean finished = new AtomicBoolean();
    private String reportId;
    private int nextChunk;
    private ByteArrayOutputStream reportBytes;
    private final Object inventoryLock = new Object();
    /** A report is with the intake; guarded by inventoryLock. */
    private boolean storing;
    /** The next report, waiting for the one being stored; guarded by inventoryLock. */
    private Runnable waitingReport;

    AgentSession(NodeId node, ServerCallStreamObserver<ServerMessage> out, NodeService nodes, InventoryService inventory,
                 SessionRegistry registry, Duration heartbeatInterval, RunRecorder recorder, JobEngine jobs,
                 JsonMapper json, MetricIngest metrics, MetricIntervals intervals, SessionMeters meters,
                 Heartbeats heartbeats, InventoryIntake intake) {
        this.intake = intake;
        this.meters = meters;
        this.heartbeats = heartbeats;
        this.metrics = metrics;
        this.intervals = intervals;
        this.recorder = recorder;
        this.jobs = jobs;
        this.json = json;
        this.node = node;
        this.out = out;
        this.nodes = nodes;
        this.inventory = inventory;
        this.registry = registry;
        this.heartbeatInterval = heartbeatInterval;
        out.setOnCancelHandler(this::finish);
        // One message at a time, so that a session can stop reading: see inventoryChunk.
        out.disableAutoRequest();
        out.request(1);
    }

    /** Lets gRPC deliver this session's next message. */
    private void readNext() {
        try {
            out.request(1);
        } catch (RuntimeException callGone) {
            // the call ended meanwhile; finish() follows from the cancel handler
        }
    }

    NodeId node() {
        return node;
    }

    @Override
    public void onNext(AgentMessage message) {
        meters.received(message);
        if (!helloSeen && !message.hasHello()) {
            terminate(Status.FAILED_PRECONDITION.withDescription("the first message of a session must be Hello"));
            return;
        }
        if (message.hasInventoryChunk() && inventoryChunk(message.getSeq(), message.getInventoryChunk())) {
            return; // parked behind its previous report: reading resumes once that one is stored
        }
        switch (message.getKindCase()) {
            case HELLO -> hello(message.getHello());
            case HEARTBEAT -> heartbeat(message.getSeq(), message.getHeartbeat());
            case INVENTORY_CHUNK -> {
                // handled above
            }
            case RUN_UPDATE -> runUpdate(message.getRunUpdate());
            case METRIC_BATCH -> metricBatch(message.getMetricBatch());
            case ACK -> {
                // Assignments are confirmed by the run's own updates (started, finished), not by acks.
            }
            default -> LOG.debug("node {}: ignoring unknown message kind {}", node, message.getKindCase());
        }
        readNext();
    }

    /**
     * A heartbeat is written with others by {@link Heartbeats} and acknowledged once written. One that no longer
     * counts means this session lost its node: deleted (on any replica: this is how a replica that did not see the
     * deletion cuts the session) or taken over by a newer session.
     */
    private void heartbeat(long seq, Heartbeat beat) {
        heartbeats.record(node, sessionId, counted -> {
            if (counted) {
                send(ServerMessage.newBuilder().setHeartbeatAck(HeartbeatAck.newBuilder()
                        .setHeartbeatSeq(seq).setSentUnixMs(beat.getSentUnixMs())));
            } else {
                // off the heartbeat writer's thread: one more query, and rare
                CompletableFuture.runAsync(() -> terminate(nodes.exists(node)
                        ? Status.ABORTED.withDescription("superseded by a newer session of the same agent")
                        : Status.UNAUTHENTICATED.withDescription("node " + node + " was deleted and its certificate revoked")));
            }
        });
    }

    private void hello(Hello hello) {
        if (helloSeen) {
            terminate(Status.FAILED_PRECONDITION.withDescription("Hello sent twice"));
            return;
        }
        String hostname = hello.getHostname().trim();
        String invalid = AgentFacts.invalid(hostname, hello.getAgentVersion());
        if (invalid != null) {
            terminate(Status.INVALID_ARGUMENT.withDescription(invalid));
            return;
        }
        helloSeen = true;
        meters.opened();
        nodes.sessionOpened(node, sessionId, hostname, hello.getAgentVersion());
        registry.register(this);
        boolean current = !hello.getInventorySha256().isEmpty()
                && inventory.storedSha256(node).map(hello.getInventorySha256()::equals).orElse(false);
        send(ServerMessage.newBuilder().setWelcome(Welcome.newBuilder()
                .setNodeId(node.toString())
                .setHeartbeatIntervalSeconds((int) Math.max(1, heartbeatInterval.toSeconds()))
                .setInventoryCurrent(current)
                .setServerTimeUnixMs(System.currentTimeMillis())
                .setMetricsIntervalSeconds((int) intervals.forNode(node).toSeconds())));
        LOG.info("node {} ({}) connected, agent {}, inventory {}", node, hostname, hello.getAgentVersion(),
                current ? "unchanged" : "requested");
        jobs.nodeConnected(node);
    }

    /**
     * Hands the update to the recorder; the RunAck goes out once it is stored. An update that is not one of ours
     * or is malformed is acknowledged (so the agent stops re-sending it) and logged; one that cannot be stored now
     * ends the session, so the agent re-sends it on the next.
     */
    private void runUpdate(RunUpdate update) {
        io.octofleet.server.jobs.RunUpdate parsed;
        try {
            parsed = ProtoJobs.fromProto(update);
        } catch (IllegalArgumentException e) {
            LOG.warn("node {}: dropping run update {} of run {}: {}", node, update.getRunSeq(), update.getRunId(),
                    e.getMessage());
            send(ServerMessage.newBuilder().setRunAck(RunAck.newBuilder().setRunId(update.getRunId())
                    .setThroughSeq(update.getRunSeq())));
            return;
        }
        recorder.submit(node, parsed, runReceipt);
    }

    /** The recorder's answers to this session's run updates: one RunAck per stored batch and run. */
    private final RunRecorder.Receipt runReceipt = new RunRecorder.Receipt() {
        @Override
        public void stored(RunId run, long throughSeq) {
            send(ServerMessage.newBuilder().setRunAck(RunAck.newBuilder().setRunId(run.toString())
                    .setThroughSeq(throughSeq)));
        }

        @Override
        public void failed(RunId run, Exception cause) {
            terminate(Status.UNAVAILABLE.withDescription("cannot store run updates now; send them again"));
        }
    };

    /** Hands the batch to the ingest; the MetricAck goes out once it is stored (or why not). */
    private void metricBatch(io.octofleet.proto.agent.v1.MetricBatch batch) {
        MetricAck.Builder ack = MetricAck.newBuilder().setSpoolId(batch.getSpoolId()).setBatchSeq(batch.getBatchSeq());
        metrics.submit(node, ProtoMetrics.fromProto(batch), new MetricIngest.Receipt() {
            @Override
            public void stored() {
                send(ServerMessage.newBuilder().setMetricAck(ack.clone()));
            }

            @Override
            public void refused(String reason) {
                LOG.warn("node {}: refusing metric batch {}: {}", node, batch.getBatchSeq(), reason);
                send(ServerMessage.newBuilder().setMetricAck(ack.clone().setError(reason)));
            }

            @Override
            public void retryLater() {
                send(ServerMessage.newBuilder().setMetricAck(ack.clone().setRetryLater(true)));
            }
        });
    }

    /** Sends a job command to this agent; false when the session has ended. */
    boolean command(AgentCommand command) {
        if (finished.get() || !helloSeen) {
            return false;
        }
        send(ProtoJobs.toProto(command, json));
        return !finished.get();
    }

    /**
     * Collects a report's chunks and hands the whole report to the {@link InventoryIntake}; its writers store it off
     * this thread and the ack follows. Meanwhile the session goes on (heartbeats, job results). One report per session
     * is stored at a time: a further one waits, and the session reads nothing more until the first is stored, so
     * what a session can make the server hold is bounded.
     *
     * @return true when the session is parked behind its previous report
     */
    private boolean inventoryChunk(long seq, InventoryChunk chunk) {
        if (!chunk.getReportId().equals(reportId) || chunk.getIndex() == 0) {
            // A new report starts (an unfinished one was abandoned by the agent and will be re-sent whole).
            reportId = chunk.getReportId();
            reportBytes = new ByteArrayOutputStream();
            nextChunk = 0;
        }
        if (chunk.getIndex() != nextChunk) {
            ack(seq, "chunk " + chunk.getIndex() + " of report " + reportId + " out of order, expected " + nextChunk);
            reportId = null;
            return false;
        }
        if (reportBytes.size() + chunk.getData().size() > MAX_REPORT_BYTES) {
            ack(seq, "inventory report larger than " + MAX_REPORT_BYTES + " bytes");
            reportId = null;
            return false;
        }
        reportBytes.writeBytes(chunk.getData().toByteArray());
        nextChunk++;
        if (!chunk.getLast()) {
            return false;
        }
        byte[] bytes = reportBytes.toByteArray();
        String id = reportId;
        reportId = null;
        reportBytes = null;
        Runnable store = () -> intake.store(node, bytes, id, outcome -> stored(seq, outcome));
        synchronized (inventoryLock) {
            if (storing) {
                waitingReport = store;
                return true;
            }
            storing = true;
        }
        store.run();
        return false;
    }

    /** On a writer thread: acknowledges, then starts the report that waited, if any, and reads on. */
    private void stored(long seq, InventoryIntake.Outcome outcome) {
        if (outcome instanceof InventoryIntake.Outcome.Rejected rejected) {
            ack(seq, rejected.reason());
        } else if (outcome instanceof InventoryIntake.Outcome.Failed) {
            // Unacknowledged, the report is sent again by the agent's next session.
            terminate(Status.UNAVAILABLE.withDescription("cannot store the inventory now; send it again"));
            return;
        } else {
            ack(seq, "");
        }
        Runnable next;
        synchronized (inventoryLock) {
            next = waitingReport;
            waitingReport = null;
            storing = next != null;
        }
        if (next != null) {
            next.run();
            readNext();
        }
    }

    private void ack(long seq, String error) {
        if (!error.isEmpty()) {
            LOG.warn("node {}: rejected message {}: {}", node, seq, error);
        }
        send(ServerMessage.newBuilder().setAck(Ack.newBuilder().setSeq(seq).setError(error)));
    }

    private synchronized void send(ServerMessage.Builder message) {
        if (finished.get()) {
            return;
        }
        try {
            out.onNext(message.setSeq(++outSeq).build());
            meters.sent(message);
        } catch (IllegalStateException | io.grpc.StatusRuntimeException callGone) {
            // The call ended under us (cancelled by the agent); finish() follows from the cancel handler.
        }
    }

    /** Ends the session from the server side with a status the agent can log and act on. */
    synchronized void terminate(Status status) {
        if (finished.get()) {
            return;
        }
        LOG.info("node {}: closing session: {}", node, status.getDescription());
        try {
            out.onError(status.asRuntimeException());
        } catch (IllegalStateException alreadyClosed) {
            // the call ended concurrently; nothing to send
        }
        finish();
    }

    @Override
    public void onError(Throwable t) {
        LOG.info("node {}: session lost: {}", node, Status.fromThrowable(t));
        finish();
    }

    @Override
    public synchronized void onCompleted() {
        if (!finished.get()) {
            out.onCompleted();
        }
        finish();
    }

    /** Runs once per session, whichever way it ended: the node goes offline unless a newer session replaced it. */
    private void finish() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        registry.unregister(this);
        if (helloSeen) {
            meters.closed();
            nodes.sessionClosed(node, sessionId);
        }
    }
}
