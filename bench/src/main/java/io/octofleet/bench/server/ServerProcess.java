package io.octofleet.bench.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged server ({@code java -jar octofleet-server.jar}) as a child process on its embedded PostgreSQL, with
 * its home, free loopback ports and its log under a directory of the benchmark's, as an operator would start it.
 */
public final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final Path home;
    private final Path log;
    private final int httpPort;
    private final int grpcPort;
    private final Duration startup;

    private ServerProcess(Process process, Path home, Path log, int httpPort, int grpcPort, Duration startup) {
        this.process = process;
        this.home = home;
        this.log = log;
        this.httpPort = httpPort;
        this.grpcPort = grpcPort;
        this.startup = startup;
    }

    /**
     * Starts the server and waits until {@code /health} answers 200.
     *
     * @param environment extra OCTOFLEET_* settings, e.g. the heartbeat interval
     * @throws IOException when it exits or is not healthy within {@code timeout}; the message ends with its log
     */
    public static ServerProcess start(Path jar, Path home, List<String> jvmOptions,
                                      java.util.Map<String, String> environment, Duration timeout)
            throws IOException, InterruptedException {
        if (!Files.isRegularFile(jar)) {
            throw new IOException("no server jar at " + jar + "; build it: ./mvnw -o -q -DskipTests package");
        }
        Files.createDirectories(home);
        Path log = home.resolveSibling(home.getFileName() + ".log");
        int httpPort = freePort();
        int grpcPort = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("OCTOFLEET_HOME", home.toAbsolutePath().toString());
        builder.environment().put("OCTOFLEET_HTTP_PORT", Integer.toString(httpPort));
        builder.environment().put("OCTOFLEET_GRPC_PORT", Integer.toString(grpcPort));
        builder.environment().putAll(environment);
        long began = System.nanoTime();
        Process process = builder.start();
        ServerProcess server = new ServerProcess(process, home, log, httpPort, grpcPort, Duration.ZERO);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = began + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("server exited with " + process.exitValue() + "; its log:\n" + server.logTail());
            }
            try {
                HttpResponse<Void> health = http.send(HttpRequest.newBuilder(server.uri("/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (health.statusCode() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                server.close();
                throw new IOException("server not healthy after " + timeout.toSeconds() + " s; its log:\n"
                        + server.logTail());
            }
            Thread.sleep(50);
        }
        return new ServerProcess(process, home, log, httpPort, grpcPort, Duration.ofNanos(System.nanoTime() - began));
    }

    public long pid() {
        return process.pid();
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    public int grpcPort() {
        return grpcPort;
    }

    /** From exec to the first healthy answer. */
    public Duration startup() {
        return startup;
    }

    public Path log() {
        return log;
    }

    /** The generated admin password of a first start ({@code OCTOFLEET_HOME/initial-admin-password}). */
    public String adminPassword() throws IOException {
        Path file = home.resolve("initial-admin-password");
        if (!Files.exists(file)) {
            throw new IOException(file + " does not exist: was OCTOFLEET_ADMIN_PASSWORD set for this home?");
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    /** The embedded database's superuser password ({@code OCTOFLEET_HOME/postgres-password}). */
    public String databasePassword() throws IOException {
        return Files.readString(home.resolve("postgres-password"), StandardCharsets.UTF_8).strip();
    }

    /** The server JVM alone. */
    public ProcessUsage usage() throws IOException {
        return ProcessUsage.of(process.pid());
    }

    /**
     * The embedded PostgreSQL: its postmaster and backends. pg_ctl detaches the postmaster from the JVM, so it is
     * found by {@code OCTOFLEET_HOME/postgres/postmaster.pid}; {@link ProcessUsage#NONE} for an external database.
     */
    public ProcessUsage databaseUsage() {
        try {
            List<String> pidFile = Files.readAllLines(home.resolve("postgres").resolve("postmaster.pid"));
            long postmaster = Long.parseLong(pidFile.get(0).strip());
            return ProcessUsage.of(postmaster).plus(ProcessUsage.ofDescendants(postmaster));
        } catch (IOException | RuntimeException noEmbeddedDatabase) {
            return ProcessUsage.NONE;
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, so the server stops its embedded PostgreSQL; SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
