package io.octofleet.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole spine, as an operator would run it: the packaged server jar on its embedded PostgreSQL and the packaged
 * agent jar, as separate processes, over real mutual TLS on loopback.
 */
class SpineEndToEndIT {
    private static final Duration HEARTBEAT = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private Fleet fleet;

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void agentEnrollsReportsThisMachineAndSurvivesRestartsOfBothSides() throws Exception {
        fleet = new Fleet(dir, HEARTBEAT);
        ManagedProcess server = fleet.startServer("server-1.log");
        Api api = fleet.api();

        // token -> enroll
        JsonNode token = api.post("/api/v1/enrollment-tokens", "{\"ttlSeconds\": 600}").body();
        String joinCommand = token.get("joinCommand").asText();
        assertThat(joinCommand).startsWith("java -jar octofleet-agent.jar run --join ");
        assertThat(token.get("caPin").asText()).matches("sha256:[0-9a-f]{64}");
        String join = joinCommand.substring(Fleet.JOIN_PREFIX.length());
        Path state = dir.resolve("agent-state");
        ManagedProcess agent = startAgent("agent-1.log", "run", "--join", join, "--state-dir", state.toString());

        // node online with this machine's inventory
        JsonNode node = awaitNode(api, n -> n.get("status").asText().equals("online") && !n.get("inventory").isNull(),
                agent, server);
        String nodeId = node.get("id").asText();
        JsonNode inventory = node.get("inventory");
        assertThat(inventory.at("/cpu/threads").asInt()).isEqualTo(nproc());
        long memTotal = memTotalBytes();
        assertThat((double) inventory.at("/memory/totalBytes").asLong()).isBetween(memTotal * 0.97, memTotal * 1.03);
        Set<String> reportedMacs = new HashSet<>();
        inventory.get("nics").forEach(nic -> reportedMacs.add(nic.get("mac").asText().toLowerCase(Locale.ROOT)));
        assertThat(reportedMacs).containsAnyElementsOf(realMacs());
        assertThat(inventory.at("/os/family").asText()).isEqualTo("linux");
        // every field of the API is present, even when this machine has nothing to say (no DMI data in a VM)
        assertThat(inventory.get("system").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("manufacturer", "model", "serial", "uuid", "biosVersion", "virtualization");
        assertThat(inventory.get("cpu").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("model", "vendor", "sockets", "cores", "threads", "maxFrequencyHz");
        inventory.get("disks").forEach(disk -> assertThat(disk.fieldNames()).toIterable()
                .containsExactlyInAnyOrder("name", "model", "serial", "sizeBytes", "type"));
        assertThat(inventory.has("gpus") && inventory.has("packages") && inventory.has("bootTime")).isTrue();
        assertThat(api.get("/api/v1/nodes/" + node.get("id").asText() + "/packages").body().get("total").asInt())
                .isGreaterThan(0);
        assertThat(node.get("agentVersion").asText()).isNotBlank();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("agent.key")))).isEqualTo("rw-------");

        // the same token is refused a second time
        ManagedProcess second = startAgent("agent-reuse.log", "run", "--join", join, "--state-dir", dir.resolve("other").toString());
        assertThat(second.waitFor(Duration.ofSeconds(60))).as(second.log()).isEqualTo(3);
        assertThat(second.log()).contains("already been used");

        // a wrong CA pin is refused before the token is sent
        JsonNode fresh = api.post("/api/v1/enrollment-tokens", "{}").body();
        String wrongPin = fresh.get("joinString").asText().replaceAll("sha256:[0-9a-f]{64}", "sha256:" + "0".repeat(64));
        ManagedProcess impostor = startAgent("agent-pin.log", "run", "--join", wrongPin, "--state-dir", dir.resolve("pin").toString());
        assertThat(impostor.waitFor(Duration.ofSeconds(60))).as(impostor.log()).isEqualTo(3);
        assertThat(impostor.log()).contains("does not match the pin");
        JsonNode tokens = api.get("/api/v1/enrollment-tokens").body().get("items");
        tokens.forEach(t -> {
            if (t.get("id").asText().equals(fresh.get("id").asText())) {
                assertThat(t.get("uses").asInt()).isZero();
            }
        });

        // agent stopped -> offline within two heartbeat intervals (plus the sweep period)
        agent.stop();
        awaitStatus(api, nodeId, "offline", Duration.ofSeconds(15));

        // agent restarted without a token -> online again
        agent = startAgent("agent-2.log", "run", "--state-dir", state.toString());
        awaitStatus(api, nodeId, "online", Duration.ofSeconds(60));

        // server restarted -> node still there, and the agent comes back by itself
        server.stop();
        server = fleet.startServer("server-2.log");
        api = fleet.api();
        Api.Response afterRestart = api.get("/api/v1/nodes/" + nodeId);
        assertThat(afterRestart.status()).isEqualTo(200);
        assertThat(afterRestart.body().at("/inventory/cpu/threads").asInt()).isEqualTo(nproc());
        awaitStatus(api, nodeId, "online", Duration.ofSeconds(90));

        // deleting the node revokes it: the live session is cut and the agent's next call is refused
        assertThat(api.delete("/api/v1/nodes/" + nodeId).status()).isEqualTo(204);
        assertThat(agent.waitFor(Duration.ofSeconds(60))).as(agent.log()).isEqualTo(4);
        assertThat(api.get("/api/v1/nodes/" + nodeId).status()).isEqualTo(404);
    }

    private ManagedProcess startAgent(String log, String... args) throws IOException {
        return fleet.startAgent(log, args);
    }

    private JsonNode awaitNode(Api api, java.util.function.Predicate<JsonNode> condition, ManagedProcess agent,
                               ManagedProcess server) throws Exception {
        Instant deadline = Instant.now().plusSeconds(90);
        while (Instant.now().isBefore(deadline)) {
            JsonNode items = api.get("/api/v1/nodes").body().get("items");
            if (items.size() == 1) {
                JsonNode node = api.get("/api/v1/nodes/" + items.get(0).get("id").asText()).body();
                if (condition.test(node)) {
                    return node;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("node did not appear; agent log:\n" + agent.log() + "\nserver log:\n" + server.log());
    }

    private void awaitStatus(Api api, String nodeId, String status, Duration timeout) throws Exception {
        fleet.awaitStatus(api, nodeId, status, timeout);
    }

    private static int nproc() throws Exception {
        Process p = new ProcessBuilder("nproc").start();
        return Integer.parseInt(new String(p.getInputStream().readAllBytes()).trim());
    }

    private static long memTotalBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no MemTotal in /proc/meminfo");
    }

    private static Set<String> realMacs() throws IOException {
        Set<String> macs = new HashSet<>();
        try (Stream<Path> interfaces = Files.list(Path.of("/sys/class/net"))) {
            for (Path nic : interfaces.toList()) {
                Path address = nic.resolve("address");
                if (!nic.getFileName().toString().equals("lo") && Files.isReadable(address)) {
                    String mac = Files.readString(address).trim().toLowerCase(Locale.ROOT);
                    if (!mac.isEmpty() && !mac.equals("00:00:00:00:00:00")) {
                        macs.add(mac);
                    }
                }
            }
        }
        return macs;
    }
}
