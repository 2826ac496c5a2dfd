package io.octofleet.agent.session;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.octofleet.agent.identity.AgentIdentity;
import io.octofleet.agent.identity.TestPki;
import io.octofleet.agent.jobs.JobRuntime;
import io.octofleet.proto.agent.v1.Ack;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.AgentSessionGrpc;
import io.octofleet.proto.agent.v1.EnrollmentGrpc;
import io.octofleet.proto.agent.v1.InventoryReport;
import io.octofleet.proto.agent.v1.Package;
import io.octofleet.proto.agent.v1.RenewCertificateRequest;
import io.octofleet.proto.agent.v1.RenewCertificateResponse;
import io.octofleet.proto.agent.v1.RunAck;
import io.octofleet.proto.agent.v1.RunAssignment;
import io.octofleet.proto.agent.v1.RunFinished;
import io.octofleet.proto.agent.v1.RunUpdate;
import io.octofleet.proto.agent.v1.ServerMessage;
import io.octofleet.proto.agent.v1.ShellJob;
import io.octofleet.proto.agent.v1.Welcome;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's session protocol against a real gRPC server in this JVM (in-process transport): the server side here
 * is a small scripted peer, so each test can play one behaviour of the real server.
 */
class AgentSessionClientTest {
    @TempDir
    Path stateDir;

    private final ExecutorService runner = Executors.newSingleThreadExecutor();
    private final List<AgentMessage> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger sessions = new AtomicInteger();
    private Server server;
    private AgentSessionClient client;
    private JobRuntime jobs;
    private TestPki ca;

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.stop();
        }
        runner.shutdownNow();
        runner.awaitTermination(10, TimeUnit.SECONDS);
        if (jobs != null) {
            jobs.close();
        }
        if (server != null) {
            server.shutdownNow();
        }
    }

    @Test
    void sendsHelloThenLargeInventoryInBoundedChunksAndKeepsHeartbeating() throws Exception {
        start(new ScriptedSession(false, null), null, Duration.ofDays(7));
        Future<?> run = runClient();

        await(() -> received.stream().anyMatch(m -> m.hasInventoryChunk() && m.getInventoryChunk().getLast()));
        await(() -> received.stream().filter(AgentMessage::hasHeartbeat).count() >= 2);

        assertThat(received.get(0).hasHello()).isTrue();
        List<AgentMessage> chunks = received.stream().filter(AgentMessage::hasInventoryChunk).toList();
        assertThat(chunks).hasSizeGreaterThan(3);
        assertThat(chunks).allSatisfy(c -> assertThat(c.getInventoryChunk().getData().size()).isLessThanOrEqualTo(64 * 1024));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (AgentMessage chunk : chunks) {
            chunk.getInventoryChunk().getData().writeTo(bytes);
        }
        InventoryReport report = InventoryReport.parseFrom(bytes.toByteArray());
        assertThat(report.getPackagesCount()).isEqualTo(20_000);
        assertThat(chunks.get(0).getInventoryChunk().getReportId()).isEqualTo(InventoryMessages.fingerprint(report));
        assertThat(received).extracting(AgentMessage::getSeq).isSorted().doesNotHaveDuplicates();
        assertThat(run).isNotDone();
    }

    @Test
    void sendsNoInventoryWhenTheServerAlreadyHasIt() throws Exception {
        start(new ScriptedSession(true, null), null, Duration.ofDays(7));
        runClient();

        await(() -> received.stream().filter(AgentMessage::hasHeartbeat).count() >= 2);
        assertThat(received).noneMatch(AgentMessage::hasInventoryChunk);
    }

    @Test
    void reconnectsByItselfWhenTheServerDropsTheSession() throws Exception {
        start(new ScriptedSession(true, Status.UNAVAILABLE.withDescription("server restarting")), null, Duration.ofDays(7));
        runClient();

        // a session counts once the server has its Hello (the call itself starts a moment earlier)
        await(() -> received.stream().filter(AgentMessage::hasHello).count() >= 2);
        assertThat(sessions.get()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void revokedNodeEndsTheRun() throws Exception {
        start(new ScriptedSession(true, Status.UNAUTHENTICATED.withDescription("node revoked")), null, Duration.ofDays(7));
        Future<?> run = runClient();

        await(run::isDone);
        assertThat(run).failsWithin(Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(NodeRevokedException.class);
    }

    @Test
    void renewsItsCertificateWhenTwoThirdsOfItsLifetimeHavePassed() throws Exception {
        AtomicInteger renewals = new AtomicInteger();
        start(new ScriptedSession(true, null), renewals, Duration.ofMinutes(10));
        X509Certificate before = AgentIdentity.load(stateDir).orElseThrow().certificate();
        runClient();

        await(() -> renewals.get() >= 1 && sessions.get() >= 1);
        X509Certificate after = AgentIdentity.load(stateDir).orElseThrow().certificate();
        assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
        assertThat(after.getNotAfter()).isAfter(before.getNotAfter());
    }

    @Test
    void runsAnAssignedJobAndDeliversEveryUpdateExactlyOnceAcrossALostSession() throws Exception {
        JobServer jobServer = new JobServer(shellAssignment("run-7",
                "echo before; sleep 1; echo after; exit 4"));
        start(jobServer, null, Duration.ofDays(7));
        runClient();

        await(() -> jobServer.stored.stream().anyMatch(RunUpdate::hasFinished));
        await(() -> received.stream().filter(AgentMessage::hasHeartbeat).count() >= 2);

        assertThat(sessions.get()).as("the first session was cut after the start").isGreaterThanOrEqualTo(2);
        assertThat(jobServer.stored).extracting(RunUpdate::getRunSeq)
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, jobServer.stored.size()).boxed().toList());
        assertThat(jobServer.stored.get(0).hasStarted()).as("started once: the re-sent assignment was ignored")
                .isTrue();
        assertThat(jobServer.stored).filteredOn(RunUpdate::hasStarted).hasSize(1);
        RunUpdate finished = jobServer.stored.get(jobServer.stored.size() - 1);
        assertThat(finished.getFinished().getOutcome()).isEqualTo(RunFinished.Outcome.FAILED);
        assertThat(finished.getFinished().getExitCode()).isEqualTo(4);
        StringBuilder stdout = new StringBuilder();
        jobServer.stored.stream().filter(RunUpdate::hasOutput)
                .forEach(u -> stdout.append(u.getOutput().getData().toStringUtf8()));
        assertThat(stdout.toString()).isEqualTo("before\nafter\n");
        await(() -> java.nio.file.Files.exists(stateDir.resolve("runs/run-7.done")));
        assertThat(stateDir.resolve("runs/run-7.spool")).doesNotExist();
    }

    private static RunAssignment shellAssignment(String runId, String script) {
        return RunAssignment.newBuilder().setRunId(runId).setJobId("job-1").setAttempt(1)
                .setShell(ShellJob.newBuilder().setScript(script)).setTimeoutSeconds(60).build();
    }

    /**
     * Plays the server's side of job delivery: sends the assignment on every connect, stores an update only when it
     * is the next of its run and acks through the last stored, and cuts the first session right after the run's start
     * arrived, before acking it.
     */
    private final class JobServer extends AgentSessionGrpc.AgentSessionImplBase {
        private final RunAssignment assignment;
        final List<RunUpdate> stored = new CopyOnWriteArrayList<>();

        JobServer(RunAssignment assignment) {
            this.assignment = assignment;
        }

        @Override
        public StreamObserver<AgentMessage> connect(StreamObserver<ServerMessage> out) {
            int session = sessions.incrementAndGet();
            return new StreamObserver<>() {
                private boolean ended;

                @Override
                public synchronized void onNext(AgentMessage message) {
                    if (ended) {
                        return;
                    }
                    received.add(message);
                    if (message.hasHello()) {
                        out.onNext(ServerMessage.newBuilder().setSeq(1).setWelcome(Welcome.newBuilder()
                                .setNodeId("node-1").setHeartbeatIntervalSeconds(1).setInventoryCurrent(true)
                                .setServerTimeUnixMs(System.currentTimeMillis())).build());
                        out.onNext(ServerMessage.newBuilder().setSeq(2).setRunAssignment(assignment).build());
                    } else if (message.hasRunUpdate()) {
                        RunUpdate update = message.getRunUpdate();
                        if (session == 1) {
                            ended = true;
                            out.onError(Status.UNAVAILABLE.withDescription("server restarting").asRuntimeException());
                            return;
                        }
                        if (update.getRunSeq() == stored.size() + 1) {
                            stored.add(update);
                        }
                        out.onNext(ServerMessage.newBuilder().setSeq(3).setRunAck(RunAck.newBuilder()
                                .setRunId(update.getRunId()).setThroughSeq(stored.size())).build());
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public synchronized void onCompleted() {
                    if (!ended) {
                        out.onCompleted();
                    }
                }
            };
        }
    }

    /** An identity whose certificate was issued {@code age} ago for {@code age + 1 day}, or so it seems to renewAt. */
    private void start(AgentSessionGrpc.AgentSessionImplBase session, AtomicInteger renewals, Duration certificateAge)
            throws Exception {
        ca = TestPki.newCa("Test CA");
        KeyPair keys = AgentIdentity.newKeyPair();
        Instant now = Instant.now();
        X509Certificate certificate = ca.leaf(keys.getPublic(), KeyPurposeId.id_kp_clientAuth,
                now.minus(certificateAge), now.plus(certificateAge.compareTo(Duration.ofDays(1)) >= 0 ? Duration.ofDays(30) : Duration.ofMinutes(1)));
        AgentIdentity.save(stateDir, keys, "node-1", pem(certificate), pem(ca.certificate()));

        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(session)
                .addService(new EnrollmentGrpc.EnrollmentImplBase() {
                    @Override
                    public void renewCertificate(RenewCertificateRequest request,
                                                 StreamObserver<RenewCertificateResponse> response) {
                        try {
                            var csr = new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(request.getCsrDer().toByteArray()));
                            X509Certificate renewed = ca.leaf(csr.getPublicKey(), KeyPurposeId.id_kp_clientAuth,
                                    Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(30)));
                            renewals.incrementAndGet();
                            response.onNext(RenewCertificateResponse.newBuilder().setCertificatePem(pem(renewed))
                                    .setCaChainPem(pem(ca.certificate())).build());
                            response.onCompleted();
                        } catch (Exception e) {
                            response.onError(Status.INVALID_ARGUMENT.withDescription(e.toString()).asRuntimeException());
                        }
                    }
                })
                .build().start();
        AgentIdentity identity = AgentIdentity.load(stateDir).orElseThrow();
        client = new AgentSessionClient(stateDir, identity, "in-process",
                id -> InProcessChannelBuilder.forName(name).directExecutor().build(),
                () -> BIG_INVENTORY, "test", "host-1", Duration.ofHours(1), Clock.systemUTC(),
                jobs = JobRuntime.start(stateDir, stateDir.resolve("work"), JobRuntime.DEFAULT_SPOOL_LIMIT));
    }

    private Future<?> runClient() {
        return runner.submit(() -> {
            client.run();
            return null;
        });
    }

    /** 20,000 packages: about 600 KB, so many chunks. */
    private static final InventoryReport BIG_INVENTORY = bigInventory();

    private static InventoryReport bigInventory() {
        InventoryReport.Builder report = InventoryReport.newBuilder();
        for (int i = 0; i < 20_000; i++) {
            report.addPackages(Package.newBuilder().setName("package-" + i).setVersion("1.0." + i).setArch("amd64"));
        }
        return report.build();
    }

    private static String pem(X509Certificate certificate) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(certificate);
        }
        return out.toString();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(20);
        }
    }

    /** The server side of one behaviour: welcome (inventory current or not), ack reports, or end with a status. */
    private final class ScriptedSession extends AgentSessionGrpc.AgentSessionImplBase {
        private final boolean inventoryCurrent;
        private final Status endFirstSessionWith;

        ScriptedSession(boolean inventoryCurrent, Status endFirstSessionWith) {
            this.inventoryCurrent = inventoryCurrent;
            this.endFirstSessionWith = endFirstSessionWith;
        }

        @Override
        public StreamObserver<AgentMessage> connect(StreamObserver<ServerMessage> out) {
            int session = sessions.incrementAndGet();
            return new StreamObserver<>() {
                @Override
                public void onNext(AgentMessage message) {
                    received.add(message);
                    if (message.hasHello()) {
                        if (endFirstSessionWith != null && (session == 1 || endFirstSessionWith.getCode() == Status.Code.UNAUTHENTICATED)) {
                            out.onError(endFirstSessionWith.asRuntimeException());
                            return;
                        }
                        out.onNext(ServerMessage.newBuilder().setSeq(1).setWelcome(Welcome.newBuilder()
                                .setNodeId("node-1").setHeartbeatIntervalSeconds(1)
                                .setInventoryCurrent(inventoryCurrent)
                                .setServerTimeUnixMs(System.currentTimeMillis())).build());
                    } else if (message.hasInventoryChunk() && message.getInventoryChunk().getLast()) {
                        out.onNext(ServerMessage.newBuilder().setSeq(2)
                                .setAck(Ack.newBuilder().setSeq(message.getSeq())).build());
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    out.onCompleted();
                }
            };
        }
    }
}
