package io.octofleet.bench.ingest;

import io.octofleet.agent.session.EnrollmentFailedException;
import io.octofleet.bench.report.JsonReport;
import io.octofleet.bench.report.Machine;
import io.octofleet.bench.server.OctofleetApi;
import io.octofleet.bench.server.ProcessUsage;
import io.octofleet.bench.server.ServerProcess;
import io.octofleet.bench.sim.FleetIdentities;
import io.octofleet.bench.sim.RunBehaviour;
import io.octofleet.bench.sim.SimulatedFleet;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code ingest}: metric samples per second through the server's real ingest path (simulated agents sending
 * MetricBatches over their mutual-TLS sessions, the server's writer, COPY into PostgreSQL, commit, ack), then a raw
 * {@code COPY} of the same number of rows of the same shape into the same table of the same database, in the same
 * run; both figures and their ratio.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = {"Starts the packaged server on a fresh home (embedded PostgreSQL on a known port), enrolls the "
                + "simulated agents, has each send --batches metric batches of --values figures back to back (at most "
                + "--window awaiting an ack, like the real agent's shipper), and times until the server has "
                + "acknowledged every batch as stored. Then COPYs the same number of rows straight into "
                + "metric_samples over one JDBC connection, in transactions of --copy-rows rows, and times that.",
                "Prints a table; --out writes JSON."})
public final class IngestCommand implements Callable<Integer> {

    @Option(names = "--agents", defaultValue = "100", description = "Simulated agents (default: ${DEFAULT-VALUE}).")
    int agents;

    @Option(names = "--batches", defaultValue = "200", description = "Batches per agent (default: ${DEFAULT-VALUE}).")
    long batches;

    @Option(names = "--values", defaultValue = "60",
            description = "Figures per batch; a 16-core host with a GPU sends about 60 (default: ${DEFAULT-VALUE}).")
    int values;

    @Option(names = "--window", defaultValue = "16",
            description = "Batches in flight per agent, as the agent's shipper (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--copy-rows", defaultValue = "100000",
            description = "Rows per transaction of the raw COPY (default: ${DEFAULT-VALUE}).")
    int copyRows;

    @Option(names = "--server-jar", defaultValue = "server/target/octofleet-server.jar",
            description = "The packaged server (default: ${DEFAULT-VALUE}).")
    Path serverJar;

    @Option(names = "--threads", defaultValue = "2",
            description = "Event loop and callback threads shared by all simulated agents (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--timeout-seconds", defaultValue = "900", description = "Limit per phase (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--out", description = "Write the results as JSON to this file.")
    Path out;

    record Phase(long samples, long millis, double samplesPerSecond, long serverCpuMs, long databaseCpuMs) {
    }

    @Override
    public Integer call() throws Exception {
        Path root = Files.createTempDirectory("octofleet-ingest");
        Instant date = Instant.now();
        int dbPort = freePort();
        List<String> errors = new ArrayList<>();
        Phase server;
        Phase copy;
        long stored;
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        try (ServerProcess process = ServerProcess.start(serverJar, root.resolve("home"), List.of(),
                Map.of("OCTOFLEET_DB_EMBEDDED_PORT", Integer.toString(dbPort)), Duration.ofMinutes(3))) {
            System.err.printf("server up in %d ms (log %s)%n", process.startup().toMillis(), process.log());
            OctofleetApi api = new OctofleetApi(process::uri);
            api.login("admin", process.adminPassword());
            List<FleetIdentities.Member> members = new FleetIdentities(root.resolve("identities")).loadOrEnroll(agents,
                    uses -> {
                        try {
                            return api.joinString(uses, Duration.ofHours(2));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        }
                    }, 8);
            String url = "jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres";
            try (SimulatedFleet fleet = new SimulatedFleet(threads, RunBehaviour.withOutput(Duration.ZERO, 0));
                 Connection db = DriverManager.getConnection(url, "postgres", process.databasePassword())) {
                for (FleetIdentities.Member member : members) {
                    fleet.start(member);
                }
                if (!SimulatedFleet.await(() -> fleet.connected() >= agents && fleet.inventoriesStored() >= agents,
                        timeout, Duration.ofMillis(100))) {
                    throw new IOException("only " + fleet.connected() + " of " + agents + " agents connected");
                }
                System.err.printf("%d agents connected%n", agents);
                Thread.sleep(2000);

                long expected = agents * batches;
                ProcessUsage serverBefore = process.usage();
                ProcessUsage dbBefore = process.databaseUsage();
                long began = System.nanoTime();
                fleet.streamMetrics(batches, values, window);
                if (!SimulatedFleet.await(() -> fleet.metricBatchesStored() >= expected, timeout, Duration.ofMillis(5))) {
                    errors.add("only " + fleet.metricBatchesStored() + " of " + expected + " batches acknowledged");
                }
                long millis = (System.nanoTime() - began) / 1_000_000;
                server = phase(expected * values, millis, process.usage().cpuMillis() - serverBefore.cpuMillis(),
                        process.databaseUsage().cpuMillis() - dbBefore.cpuMillis());
                System.err.printf("server path: %d samples in %d ms%n", server.samples(), millis);
                stored = count(db);
                if (stored != expected * values) {
                    errors.add("metric_samples holds " + stored + " rows, expected " + expected * values);
                }
                if (!fleet.problems().isEmpty()) {
                    errors.add("agent problems: " + fleet.problems());
                }

                serverBefore = process.usage();
                dbBefore = process.databaseUsage();
                began = System.nanoTime();
                rawCopy(db, expected * values);
                millis = (System.nanoTime() - began) / 1_000_000;
                copy = phase(expected * values, millis, process.usage().cpuMillis() - serverBefore.cpuMillis(),
                        process.databaseUsage().cpuMillis() - dbBefore.cpuMillis());
                System.err.printf("raw COPY: %d rows in %d ms%n", copy.samples(), millis);
                if (count(db) != 2 * stored) {
                    errors.add("raw COPY left " + count(db) + " rows, expected " + 2 * stored);
                }
            }
        } catch (EnrollmentFailedException | SQLException e) {
            throw new IOException(e);
        } finally {
            deleteTree(root);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("benchmark", "ingest");
        report.put("date", date.toString());
        report.put("machine", Machine.current());
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("agents", agents);
        settings.put("batchesPerAgent", batches);
        settings.put("valuesPerBatch", values);
        settings.put("window", window);
        settings.put("copyRowsPerTransaction", copyRows);
        report.put("settings", settings);
        report.put("serverPath", server);
        report.put("rawCopy", copy);
        report.put("ratio", server.samplesPerSecond() / copy.samplesPerSecond());
        report.put("errors", errors);
        System.out.printf("%-12s %12s %9s %14s %12s %12s%n", "path", "samples", "ms", "samples/s", "srv_cpu_ms", "pg_cpu_ms");
        System.out.printf("%-12s %12d %9d %14.0f %12d %12d%n", "server", server.samples(), server.millis(),
                server.samplesPerSecond(), server.serverCpuMs(), server.databaseCpuMs());
        System.out.printf("%-12s %12d %9d %14.0f %12d %12d%n", "raw COPY", copy.samples(), copy.millis(),
                copy.samplesPerSecond(), copy.serverCpuMs(), copy.databaseCpuMs());
        System.out.printf("server / raw COPY = %.2f%n", server.samplesPerSecond() / copy.samplesPerSecond());
        errors.forEach(e -> System.out.println("error: " + e));
        if (out != null) {
            JsonReport.write(out, report);
        }
        return errors.isEmpty() ? 0 : 1;
    }

    /** The same shape as the agents' batches: one row per figure, {@code values} figures per node and instant. */
    private void rawCopy(Connection db, long rows) throws SQLException {
        db.setAutoCommit(false);
        List<UUID> nodes = new ArrayList<>();
        for (int i = 0; i < agents; i++) {
            nodes.add(UUID.randomUUID());
        }
        String[] names = {"cpu.core.usage", "fs.free.pct", "nic.rx.bps", "nic.tx.bps", "disk.read.bps", "gpu.util"};
        long written = 0;
        while (written < rows) {
            StringBuilder text = new StringBuilder(copyRows * 80);
            long chunk = Math.min(copyRows, rows - written);
            String time = OffsetDateTime.now(ZoneOffset.UTC).toString();
            for (long r = 0; r < chunk; r++) {
                long n = written + r;
                int i = (int) (n % values);
                text.append(time).append('\t').append(nodes.get((int) ((n / values) % agents))).append('\t')
                        .append(names[i % 6]).append('\t').append(i / 6).append('\t').append(i * 1.25).append('\n');
            }
            CopyIn in = db.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("COPY metric_samples (time, node_id, name, instance, value) FROM STDIN");
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            in.writeToCopy(bytes, 0, bytes.length);
            in.endCopy();
            db.commit();
            written += chunk;
        }
        db.setAutoCommit(true);
    }

    private static long count(Connection db) throws SQLException {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM metric_samples")) {
            r.next();
            return r.getLong(1);
        }
    }

    private static Phase phase(long samples, long millis, long serverCpu, long dbCpu) {
        return new Phase(samples, millis, samples * 1000.0 / Math.max(1, millis), serverCpu, dbCpu);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
