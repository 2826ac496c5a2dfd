package io.octofleet.agent;

import io.octofleet.agent.identity.AgentIdentity;
import io.octofleet.agent.identity.JoinString;
import io.octofleet.agent.inventory.InventoryCollector;
import io.octofleet.agent.jobs.JobRuntime;
import io.octofleet.agent.metrics.GpuSampler;
import io.octofleet.agent.metrics.HostSampler;
import io.octofleet.agent.metrics.MetricSpool;
import io.octofleet.agent.metrics.MetricsCollector;
import io.octofleet.agent.metrics.MetricsShipper;
import io.octofleet.agent.session.AgentSessionClient;
import io.octofleet.agent.session.ChannelFactory;
import io.octofleet.agent.session.EnrollmentFailedException;
import io.octofleet.agent.session.Enroller;
import io.octofleet.agent.session.InventoryMessages;
import io.octofleet.agent.session.NodeRevokedException;
import io.octofleet.agent.session.ServerAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
                "Enroll on first start (with --join), then keep a session with the server: heartbeats, inventory "
                        + "and jobs. Reconnects forever with exponential backoff.",
                "",
                "Exit codes: 0 stopped, 2 bad usage, 3 enrollment refused (token or CA pin), "
                        + "4 node revoked on the server (re-enroll with --join ... --re-enroll)."})
final class RunCommand implements Callable<Integer> {
    static final int EXIT_ENROLLMENT_REFUSED = 3;
    static final int EXIT_REVOKED = 4;

    @Option(names = "--join", paramLabel = "JOIN",
            description = "Join string from POST /api/v1/enrollment-tokens (octofleet://TOKEN@HOST:PORT/sha256:PIN). "
                    + "Needed only on the first start; ignored when the state dir already holds an identity "
                    + "(unless --re-enroll).")
    String join;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:OCTOFLEET_AGENT_STATE_DIR:-/var/lib/octofleet-agent}",
            description = "Where the agent keeps its key, certificate and server address (files 0600). "
                    + "Default: ${DEFAULT-VALUE} (env OCTOFLEET_AGENT_STATE_DIR).")
    Path stateDir;

    @Option(names = "--inventory-interval", paramLabel = "DURATION", defaultValue = "PT1H",
            converter = DurationConverter.class,
            description = "How often to re-collect inventory; it is sent only when it changed. "
                    + "ISO-8601 (PT1H) or 90s/15m/1h. Default: 1h.")
    Duration inventoryInterval;

    @Option(names = "--spool-limit", paramLabel = "SIZE", defaultValue = "256MiB", converter = ByteSizeConverter.class,
            description = "Most disk space for job updates not yet acknowledged by the server (under <state-dir>/runs). "
                    + "When full, job output is dropped and counted; starts, task events and ends are always kept. "
                    + "Default: ${DEFAULT-VALUE}.")
    long spoolLimit;

    @Option(names = "--metrics-spool-limit", paramLabel = "SIZE", defaultValue = "64MiB",
            converter = ByteSizeConverter.class,
            description = "Most disk space for metric batches not yet acknowledged by the server (under "
                    + "<state-dir>/metrics). When full, the oldest batches are dropped and counted. Default: ${DEFAULT-VALUE}.")
    long metricsSpoolLimit;

    @Option(names = "--nvidia-smi", paramLabel = "PROGRAM", defaultValue = "nvidia-smi",
            description = "nvidia-smi to read GPU figures from (looked up on PATH unless a path). Default: ${DEFAULT-VALUE}.")
    String nvidiaSmi;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where runs get their scratch directories (scripts, unpacked Ansible projects; removed when "
                    + "each run ends). Outside the 0700 state dir so a run as another user can reach its own. "
                    + "Default: <state-dir>-runs next to the state dir.")
    Path workDir;

    @Option(names = "--re-enroll", description = "Discard the identity in the state dir and enroll again with --join.")
    boolean reEnroll;

    @Override
    public Integer call() throws Exception {
        if (!prepareStateDir()) {
            return 2;
        }
        String hostname = InventoryCollector.hostname();
        String version = AgentVersion.current();
        Optional<AgentIdentity> existing = reEnroll ? Optional.empty() : AgentIdentity.load(stateDir);
        AgentIdentity identity;
        ServerAddress server;
        if (existing.isPresent()) {
            identity = existing.get();
            if (join != null) {
                System.err.println("Already enrolled as node " + identity.nodeId() + " (state in " + stateDir
                        + "); ignoring --join. Use --re-enroll to enroll again.");
            }
            server = ServerAddress.load(stateDir).orElseThrow(() -> new IllegalStateException(
                    "state dir " + stateDir + " has an identity but no server address; re-enroll with --join --re-enroll"));
        } else {
            if (join == null) {
                System.err.println("Not enrolled yet: start once with --join <join string> "
                        + "(from POST /api/v1/enrollment-tokens on the server).");
                return 2;
            }
            JoinString joinString;
            try {
                joinString = JoinString.parse(join);
            } catch (IllegalArgumentException e) {
                System.err.println("Invalid --join: " + e.getMessage());
                return 2;
            }
            try {
                identity = new Enroller(stateDir, hostname, version).enroll(joinString);
            } catch (EnrollmentFailedException e) {
                System.err.println("Enrollment failed: " + e.getMessage());
                return EXIT_ENROLLMENT_REFUSED;
            }
            server = new ServerAddress(joinString.host(), joinString.port());
        }
        InventoryCollector collector = new InventoryCollector();
        Path runsWorkDir = workDir != null ? workDir
                : stateDir.toAbsolutePath().resolveSibling(stateDir.toAbsolutePath().getFileName() + "-runs");
        JobRuntime jobs = JobRuntime.start(stateDir, runsWorkDir, spoolLimit);
        AgentSessionClient client = new AgentSessionClient(stateDir, identity, server.toString(),
                ChannelFactory.mutualTls(server), () -> InventoryMessages.toProto(collector.collect(), Instant.now()),
                version, hostname, inventoryInterval, Clock.systemUTC(), jobs);
        MetricSpool metricSpool = new MetricSpool(stateDir.resolve("metrics"), metricsSpoolLimit);
        MetricsShipper shipper = new MetricsShipper(metricSpool);
        MetricsCollector metrics = new MetricsCollector(new HostSampler(), new GpuSampler(nvidiaSmi), metricSpool,
                shipper::wake);
        client.metrics(metrics, shipper);
        shipper.start();
        metrics.start(MetricsCollector.DEFAULT_INTERVAL);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            client.stop();
            metrics.close();
            jobs.close();
        }, "octofleet-agent-shutdown"));
        try {
            client.run();
            return 0;
        } catch (NodeRevokedException e) {
            System.err.println(e.getMessage() + ". Re-enroll with: run --join <new join string> --re-enroll");
            return EXIT_REVOKED;
        } finally {
            jobs.close();
        }
    }

    /**
     * Creates the state dir 0700. An existing one must already be private: it holds the agent's private key, and
     * silently tightening a shared directory someone passed by mistake (say /tmp) would break other programs.
     */
    private boolean prepareStateDir() throws IOException {
        if (!Files.isDirectory(stateDir)) {
            Files.createDirectories(stateDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return true;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(stateDir);
        Set<PosixFilePermission> others = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_EXECUTE);
        if (permissions.stream().anyMatch(others::contains)) {
            System.err.println("State dir " + stateDir + " is accessible to other users ("
                    + PosixFilePermissions.toString(permissions) + "); use a private directory (chmod 700) or a new path.");
            return false;
        }
        return true;
    }
}
