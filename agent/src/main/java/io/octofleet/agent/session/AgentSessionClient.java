package io.octofleet.agent.session;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.octofleet.agent.identity.AgentIdentity;
import io.octofleet.agent.jobs.JobRuntime;
import io.octofleet.agent.jobs.RunUpdateSink;
import io.octofleet.agent.metrics.MetricBatchSink;
import io.octofleet.agent.metrics.MetricsCollector;
import io.octofleet.agent.metrics.MetricsShipper;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.AgentSessionGrpc;
import io.octofleet.proto.agent.v1.EnrollmentGrpc;
import io.octofleet.proto.agent.v1.Heartbeat;
import io.octofleet.proto.agent.v1.Hello;
import io.octofleet.proto.agent.v1.InventoryChunk;
import io.octofleet.proto.agent.v1.InventoryReport;
import io.octofleet.proto.agent.v1.MetricBatch;
import io.octofleet.proto.agent.v1.RenewCertificateRequest;
import io.octofleet.proto.agent.v1.RenewCertificateResponse;
import io.octofleet.proto.agent.v1.RunUpdate;
import io.octofleet.proto.agent.v1.ServerMessage;
import io.octofleet.proto.agent.v1.Welcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps the agent's session with the server up, forever: connect, Hello, heartbeats, inventory when the server
 * lacks it or it changed, job assignments, cancels and acks to the {@link JobRuntime} and its run updates back,
 * certificate renewal before expiry; on any loss, reconnect with exponential backoff and
 * jitter. Only a revoked identity ends it ({@link NodeRevokedException}).
 */
public final class AgentSessionClient {
    private static final Logger LOG = LoggerFactory.getLogger(AgentSessionClient.class);
    static final int CHUNK_BYTES = 64 * 1024;
    /** A session that lived this long counts as healthy: the next reconnect starts from the smallest delay. */
    private static final Duration HEALTHY_SESSION = Duration.ofSeconds(30);
    /**
     * Run updates queued on the bulk lane at most; the rest wait in the job spool on disk, so a large backlog is read
     * as the connection takes it instead of all at once into memory.
     */
    static final int RUN_UPDATES_QUEUED = 32;
    /** How soon to retry a failed certificate renewal while the current certificate is still valid. */
    private static final Duration RENEWAL_RETRY = Duration.ofMinutes(5);

    private final Path stateDir;
    private final String server;
    private final ChannelFactory channels;
    private final InventorySource inventorySource;
    private final String agentVersion;
    private final String hostname;
    private final Duration inventoryInterval;
    private final Clock clock;
    private final JobRuntime jobs;
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "octofleet-session-timer");
        t.setDaemon(true);
        return t;
    });
    private final Instant startedAt;

    private volatile AgentIdentity identity;
    private volatile InventoryReport inventory;
    private volatile String inventoryFingerprint;
    private final AtomicReference<Live> live = new AtomicReference<>();
    private volatile boolean stopped;
    private volatile MetricsCollector metricsCollector;
    private volatile MetricsShipper metricsShipper;

    /**
     * @param server how to name the server in logs
     * @param channels opens channels to the server with the current identity
     * @param jobs runs what the server assigns; gets each session's sink for run updates once it is welcomed
     */
    public AgentSessionClient(Path stateDir, AgentIdentity identity, String server, ChannelFactory channels,
                              InventorySource inventorySource, String agentVersion, String hostname,
                              Duration inventoryInterval, Clock clock, JobRuntime jobs) {
        this.stateDir = stateDir;
        this.identity = identity;
        this.server = server;
        this.channels = channels;
        this.inventorySource = inventorySource;
        this.agentVersion = agentVersion;
        this.hostname = hostname;
        this.inventoryInterval = inventoryInterval;
        this.clock = clock;
        this.jobs = jobs;
        this.startedAt = clock.instant();
    }

    /**
     * Live metrics: each session tells the collector the server's interval and hands the shipper a sink on its bulk
     * lane. Without this call the agent sends no metrics.
     */
    public void metrics(MetricsCollector collector, MetricsShipper shipper) {
        this.metricsCollector = collector;
        this.metricsShipper = shipper;
    }

    /** Runs sessions until {@link #stop()} or until the server revokes this node. */
    public void run() throws InterruptedException, NodeRevokedException {
        if (jobs != null) {
            jobs.bindInventoryRefresh(this::refreshInventoryNow);
        }
        refreshInventory();
        timers.scheduleWithFixedDelay(this::refreshInventorySafely, inventoryInterval.toMillis(),
                inventoryInterval.toMillis(), TimeUnit.MILLISECONDS);
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
        try {
            while (!stopped) {
                Instant began = clock.instant();
                Status status = runOneSession();
                if (stopped) {
                    return;
                }
                if (status.getCode() == Status.Code.UNAUTHENTICATED) {
                    throw new NodeRevokedException("server " + server + " no longer accepts node " + identity.nodeId()
                            + ": " + status.getDescription());
                }
                if (Duration.between(began, clock.instant()).compareTo(HEALTHY_SESSION) > 0) {
                    backoff.reset();
                }
                Duration delay = backoff.next();
                LOG.warn("Session with {} ended ({}); reconnecting in {} ms", server, describe(status), delay.toMillis());
                Thread.sleep(delay.toMillis());
            }
        } finally {
            timers.shutdownNow();
        }
    }

    public void stop() {
        stopped = true;
        Live current = live.get();
        if (current != null) {
            current.cancel("agent stopping");
        }
    }

    private Status runOneSession() throws InterruptedException {
        renewIfDue();
        ManagedChannel channel;
        try {
            channel = channels.open(identity);
        } catch (IOException e) {
            return Status.INTERNAL.withDescription("cannot build TLS context: " + e.getMessage());
        }
        Live session = new Live();
        live.set(session);
        try {
            AgentSessionGrpc.newStub(channel).connect(session);
            Thread sender = new Thread(() -> {
                try {
                    session.outbox().drain();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, "octofleet-session-sender");
            sender.setDaemon(true);
            sender.start();
            session.outbox().control(AgentMessage.newBuilder().setHello(Hello.newBuilder()
                    .setAgentVersion(agentVersion)
                    .setHostname(hostname)
                    .setInventorySha256(inventoryFingerprint)
                    .setAgentStartedUnixMs(startedAt.toEpochMilli())));
            // End the session when renewal is due; the next session renews first (it needs a new TLS context anyway).
            // Past due means the renewal just failed: try again later rather than cutting every session short.
            long untilRenewal = Duration.between(clock.instant(), identity.renewAt()).toMillis();
            if (untilRenewal <= 0) {
                untilRenewal = RENEWAL_RETRY.toMillis();
            }
            ScheduledFuture<?> renewal = timers.schedule(() -> session.cancel("certificate renewal due"),
                    untilRenewal, TimeUnit.MILLISECONDS);
            try {
                return session.done().get();
            } catch (ExecutionException e) {
                return Status.fromThrowable(e.getCause());
            } finally {
                renewal.cancel(false);
                session.close();
                sender.interrupt();
            }
        } finally {
            live.set(null);
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Renews the client certificate over mutual TLS with the current one, once 2/3 of its lifetime has passed. */
    private void renewIfDue() {
        AgentIdentity current = identity;
        if (!current.needsRenewal(clock)) {
            return;
        }
        ManagedChannel channel = null;
        try {
            channel = channels.open(current);
            KeyPair keys = AgentIdentity.newKeyPair();
            RenewCertificateResponse response = EnrollmentGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .renewCertificate(RenewCertificateRequest.newBuilder()
                            .setCsrDer(ByteString.copyFrom(AgentIdentity.csr(keys, hostname)))
                            .build());
            identity = current.renewed(stateDir, keys, response.getCertificatePem(), response.getCaChainPem());
            LOG.info("Renewed client certificate; valid until {}", identity.certificate().getNotAfter().toInstant());
        } catch (StatusRuntimeException | IOException e) {
            // Not fatal while the current certificate is valid; the next session start tries again.
            LOG.warn("Certificate renewal failed (current one valid until {}): {}",
                    current.certificate().getNotAfter().toInstant(), e.getMessage());
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
        }
    }

    private void refreshInventorySafely() {
        try {
            refreshInventory();
        } catch (RuntimeException e) {
            LOG.warn("Inventory collection failed: {}", e.toString());
        }
    }

    private void refreshInventory() {
        refreshInventoryNow();
    }

    /**
     * Collects the inventory and sends it if it changed (on the periodic timer, and for {@code inventory} jobs);
     * returns what happened, in words for a run's output.
     */
    private synchronized String refreshInventoryNow() {
        InventoryReport report = inventorySource.collect();
        String fingerprint = io.octofleet.agent.session.InventoryMessages.fingerprint(report);
        boolean changed = !fingerprint.equals(inventoryFingerprint);
        inventory = report;
        inventoryFingerprint = fingerprint;
        Live current = live.get();
        if (changed && current != null && current.welcomed()) {
            LOG.info("Inventory changed; sending it");
            current.sendInventory(report, fingerprint);
            return "inventory collected: it changed since the last report and was sent (" + fingerprint + ")";
        }
        return changed ? "inventory collected: it changed; it is sent as soon as the session is up (" + fingerprint
                + ")" : "inventory collected: unchanged since the last report (" + fingerprint + ")";
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription())
                + (status.getCause() == null ? "" : " (" + status.getCause().getMessage() + ")");
    }

    /** One Connect call: its outbox, its heartbeat timer, and how it ended. */
    private final class Live implements ClientResponseObserver<AgentMessage, ServerMessage> {
        private final CompletableFuture<Status> done = new CompletableFuture<>();
        /** Run updates of this session go on its bulk lane, behind heartbeats. */
        private final RunUpdateSink runUpdates = new RunUpdateSink() {
            @Override
            public boolean hasRoom() {
                return outbox.bulkQueued() < RUN_UPDATES_QUEUED;
            }

            @Override
            public void send(RunUpdate update) {
                outbox.bulk(AgentMessage.newBuilder().setRunUpdate(update), seq -> { });
            }
        };
        /** Metric batches of this session go on its bulk lane too, sharing its room with run updates. */
        private final MetricBatchSink metricBatches = new MetricBatchSink() {
            @Override
            public boolean hasRoom() {
                return outbox.bulkQueued() < RUN_UPDATES_QUEUED;
            }

            @Override
            public void send(MetricBatch batch) {
                outbox.bulk(AgentMessage.newBuilder().setMetricBatch(batch), seq -> { });
            }
        };
        private volatile Outbox outbox;
        private volatile ClientCallStreamObserver<AgentMessage> call;
        private volatile boolean welcomed;
        private volatile ScheduledFuture<?> heartbeats;
        private volatile long inventoryAckSeq = -1;
        private volatile String inventoryInFlight;

        @Override
        public void beforeStart(ClientCallStreamObserver<AgentMessage> requestStream) {
            call = requestStream;
            outbox = new Outbox(requestStream);
            requestStream.setOnReadyHandler(outbox::ready);
        }

        Outbox outbox() {
            return outbox;
        }

        CompletableFuture<Status> done() {
            return done;
        }

        boolean welcomed() {
            return welcomed;
        }

        @Override
        public void onNext(ServerMessage message) {
            switch (message.getKindCase()) {
                case WELCOME -> welcome(message.getWelcome());
                case ACK -> {
                    if (message.getAck().getSeq() == inventoryAckSeq) {
                        if (message.getAck().getError().isEmpty()) {
                            LOG.info("Server stored inventory {}", inventoryInFlight);
                        } else {
                            LOG.error("Server rejected inventory: {}", message.getAck().getError());
                        }
                        inventoryAckSeq = -1;
                    }
                }
                case RUN_ASSIGNMENT -> jobs.onAssignment(message.getRunAssignment());
                case CANCEL_RUN -> jobs.onCancel(message.getCancelRun());
                case RUN_ACK -> jobs.onAck(message.getRunAck());
                case METRIC_ACK -> {
                    MetricsShipper shipper = metricsShipper;
                    if (shipper != null) {
                        shipper.onAck(message.getMetricAck());
                    }
                }
                default -> LOG.debug("Ignoring server message {}", message.getKindCase());
            }
        }

        private void welcome(Welcome welcome) {
            welcomed = true;
            long interval = Math.max(1, welcome.getHeartbeatIntervalSeconds());
            heartbeats = timers.scheduleAtFixedRate(() -> outbox.control(AgentMessage.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder().setSentUnixMs(System.currentTimeMillis()))),
                    interval, interval, TimeUnit.SECONDS);
            LOG.info("Connected to {} as node {} (heartbeat every {} s)", server, welcome.getNodeId(), interval);
            long skew = Math.abs(welcome.getServerTimeUnixMs() - System.currentTimeMillis());
            if (skew > 60_000) {
                LOG.warn("Clock differs from the server's by {} s; certificates may be rejected", skew / 1000);
            }
            if (!welcome.getInventoryCurrent()) {
                sendInventory(inventory, inventoryFingerprint);
            }
            jobs.connected(runUpdates);
            MetricsCollector collector = metricsCollector;
            MetricsShipper shipper = metricsShipper;
            if (collector != null && shipper != null) {
                collector.interval(Duration.ofSeconds(welcome.getMetricsIntervalSeconds()));
                shipper.connected(metricBatches);
            }
        }

        /** Cuts the serialized report into chunks on the bulk lane; the ack of the last chunk confirms the report. */
        void sendInventory(InventoryReport report, String fingerprint) {
            Outbox out = outbox;
            out.clearInventory();
            inventoryInFlight = fingerprint;
            ByteString bytes = report.toByteString();
            int chunks = Math.max(1, (bytes.size() + CHUNK_BYTES - 1) / CHUNK_BYTES);
            for (int i = 0; i < chunks; i++) {
                int from = i * CHUNK_BYTES;
                boolean last = i == chunks - 1;
                InventoryChunk chunk = InventoryChunk.newBuilder()
                        .setReportId(fingerprint)
                        .setIndex(i)
                        .setLast(last)
                        .setData(bytes.substring(from, Math.min(bytes.size(), from + CHUNK_BYTES)))
                        .build();
                out.bulk(AgentMessage.newBuilder().setInventoryChunk(chunk), last ? seq -> inventoryAckSeq = seq : seq -> { });
            }
        }

        @Override
        public void onError(Throwable t) {
            done.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            done.complete(Status.UNAVAILABLE.withDescription("server ended the session"));
        }

        void cancel(String why) {
            ClientCallStreamObserver<AgentMessage> c = call;
            if (c != null) {
                c.cancel(why, null);
            }
            done.complete(Status.CANCELLED.withDescription(why));
        }

        void close() {
            jobs.disconnected(runUpdates);
            MetricsShipper shipper = metricsShipper;
            if (shipper != null) {
                shipper.disconnected(metricBatches);
            }
            ScheduledFuture<?> h = heartbeats;
            if (h != null) {
                h.cancel(false);
            }
            if (outbox != null) {
                outbox.close();
            }
        }
    }
}
