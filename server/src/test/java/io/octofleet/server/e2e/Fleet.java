package io.octofleet.server.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged server and agent jars as separate processes in one directory, for end-to-end tests: one server
 * (restartable on the same home and ports) and any number of agents, each with its own state directory.
 */
final class Fleet implements AutoCloseable {
    static final String ADMIN_PASSWORD = "e2e-admin-password-" + System.nanoTime();
    static final String JOIN_PREFIX = "java -jar octofleet-agent.jar run --join ";

    private final Path dir;
    private final Duration heartbeat;
    private final List<ManagedProcess> processes = new ArrayList<>();
    private final int httpPort;
    private final int grpcPort;

    Fleet(Path dir, Duration heartbeat) throws IOException {
        this.dir = dir;
        this.heartbeat = heartbeat;
        this.httpPort = freePort();
        this.grpcPort = freePort();
    }

    Path dir() {
        return dir;
    }

    /** Where a browser finds the server (the dashboard at /, the API under /api). */
    String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** Starts the server on this fleet's home and ports and waits until it is healthy. */
    ManagedProcess startServer(String log) throws Exception {
        ManagedProcess server = ManagedProcess.start(Path.of(System.getProperty("octofleet.server.jar")), Map.of(
                "OCTOFLEET_HOME", dir.resolve("home").toString(),
                "OCTOFLEET_HTTP_PORT", Integer.toString(httpPort),
                "OCTOFLEET_GRPC_PORT", Integer.toString(grpcPort),
                "OCTOFLEET_ADMIN_PASSWORD", ADMIN_PASSWORD,
                "OCTOFLEET_HEARTBEAT_INTERVAL", heartbeat.toSeconds() + "s"), dir.resolve(log));
        processes.add(server);
        Api api = new Api(httpPort);
        Instant deadline = Instant.now().plusSeconds(90);
        while (!api.healthy()) {
            if (!server.isAlive() || Instant.now().isAfter(deadline)) {
                throw new AssertionError("server did not become healthy; log:\n" + server.log());
            }
            Thread.sleep(200);
        }
        return server;
    }

    /** A logged-in API client. */
    Api api() throws IOException, InterruptedException {
        Api api = new Api(httpPort);
        api.login("admin", ADMIN_PASSWORD);
        return api;
    }

    ManagedProcess startAgent(String log, String... args) throws IOException {
        return startAgent(log, Map.of(), args);
    }

    /** An agent with extra environment variables (e.g. a PATH that finds a recorded nvidia-smi). */
    ManagedProcess startAgent(String log, Map<String, String> environment, String... args) throws IOException {
        ManagedProcess agent = ManagedProcess.start(Path.of(System.getProperty("octofleet.agent.jar")), environment,
                dir.resolve(log), args);
        processes.add(agent);
        return agent;
    }

    /** The join string of a fresh single-use enrollment token. */
    String joinString(Api api) throws IOException, InterruptedException {
        String command = api.post("/api/v1/enrollment-tokens", "{\"ttlSeconds\": 600}").body().get("joinCommand").asText();
        if (!command.startsWith(JOIN_PREFIX)) {
            throw new AssertionError("unexpected join command: " + command);
        }
        return command.substring(JOIN_PREFIX.length());
    }

    void awaitStatus(Api api, String nodeId, String status, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        String last = null;
        while (Instant.now().isBefore(deadline)) {
            last = api.get("/api/v1/nodes/" + nodeId).body().get("status").asText();
            if (last.equals(status)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("node " + nodeId + " still " + last + " after " + timeout + ", expected " + status
                + logs());
    }

    /** Every process's log, for failure messages. */
    String logs() {
        StringBuilder logs = new StringBuilder();
        for (ManagedProcess p : processes) {
            logs.append("\n---\n").append(p.log());
        }
        return logs.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedProcess p : processes) {
            p.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
