package io.octofleet.bench.api;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.octofleet.bench.report.JsonReport;
import io.octofleet.bench.report.Machine;
import io.octofleet.bench.server.ServerProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code nodes-api}: latency of the node list and of a dynamic group's members on a server with many nodes. */
@Command(name = "nodes-api", mixinStandardHelpOptions = true,
        description = {"Starts the packaged server on --work/home (whose nodes a load run enrolled), signs in as admin, "
                + "and times --requests sequential calls of each query: GET /api/v1/nodes with a rule filter and a "
                + "sort, a text search, and GET /api/v1/groups/{id}/nodes of a dynamic group (created once). "
                + "Warm-up calls first. Prints p50/p95/p99/max per query; --out writes JSON."})
public final class NodesApiCommand implements Callable<Integer> {
    static final String GROUP_RULE = "os.family = \"linux\" and gpu.count >= 4";

    @Option(names = "--work", required = true, description = "A load run's work directory (its home/ is started).")
    Path work;

    @Option(names = "--server-jar", defaultValue = "server/target/octofleet-server.jar",
            description = "The packaged server (default: ${DEFAULT-VALUE}).")
    Path serverJar;

    @Option(names = "--requests", defaultValue = "200", description = "Timed calls per query (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--warmup", defaultValue = "30", description = "Untimed calls per query first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--out", description = "Write the results as JSON to this file.")
    Path out;

    /** One query's name, path and latency quantiles (ms). */
    record Timing(String name, String path, long total, int requests, double p50Ms, double p95Ms, double p99Ms,
                  double maxMs) {
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private String bearer;

    @Override
    public Integer call() throws Exception {
        Instant date = Instant.now();
        List<Timing> timings = new ArrayList<>();
        long nodes;
        try (ServerProcess server = ServerProcess.start(serverJar, work.resolve("home"), List.of(), Map.of(),
                Duration.ofMinutes(5))) {
            JsonObject login = new JsonObject();
            login.addProperty("username", "admin");
            login.addProperty("password", server.adminPassword());
            bearer = send(server.uri("/api/v1/auth/login"), "POST", login.toString(), 200).get("token").getAsString();
            nodes = send(server.uri("/api/v1/nodes?size=1"), "GET", null, 200).get("total").getAsLong();
            System.err.printf("%d nodes on the server%n", nodes);
            String groupId = group(server);
            Map<String, String> queries = new LinkedHashMap<>();
            queries.put("nodes: rule filter, sorted by last seen",
                    "/api/v1/nodes?size=50&sort=-lastSeen&query=" + encode("os.family = \"linux\" and cpu.cores >= 32"));
            queries.put("nodes: online, sorted by hostname", "/api/v1/nodes?size=50&status=online&sort=hostname");
            queries.put("nodes: text search", "/api/v1/nodes?size=50&q=sim-0421");
            queries.put("nodes: package rule", "/api/v1/nodes?size=50&query=" + encode("package = \"nvidia-driver-550\""));
            queries.put("dynamic group members (" + GROUP_RULE + ")", "/api/v1/groups/" + groupId + "/nodes?size=50");
            for (Map.Entry<String, String> query : queries.entrySet()) {
                timings.add(time(server, query.getKey(), query.getValue()));
            }
        }
        System.out.printf("%-55s %8s %8s %8s %8s %8s%n", "query", "matches", "p50_ms", "p95_ms", "p99_ms", "max_ms");
        for (Timing t : timings) {
            System.out.printf("%-55s %8d %8.1f %8.1f %8.1f %8.1f%n", t.name(), t.total(), t.p50Ms(), t.p95Ms(),
                    t.p99Ms(), t.maxMs());
        }
        if (out != null) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("benchmark", "nodes-api");
            root.put("date", date.toString());
            root.put("machine", Machine.current());
            root.put("nodes", nodes);
            root.put("requests", requests);
            root.put("warmup", warmup);
            root.put("results", timings);
            JsonReport.write(out, root);
        }
        return 0;
    }

    private String group(ServerProcess server) throws IOException, InterruptedException {
        JsonObject groups = send(server.uri("/api/v1/groups?size=500"), "GET", null, 200);
        for (var item : groups.getAsJsonArray("items")) {
            JsonObject group = item.getAsJsonObject();
            if (group.get("name").getAsString().equals("bench: big GPU hosts")) {
                return group.get("id").getAsString();
            }
        }
        JsonObject body = new JsonObject();
        body.addProperty("name", "bench: big GPU hosts");
        body.addProperty("kind", "dynamic");
        body.addProperty("rule", GROUP_RULE);
        return send(server.uri("/api/v1/groups"), "POST", body.toString(), 201).get("id").getAsString();
    }

    private Timing time(ServerProcess server, String name, String path) throws IOException, InterruptedException {
        long total = 0;
        for (int i = 0; i < warmup; i++) {
            total = send(server.uri(path), "GET", null, 200).get("total").getAsLong();
        }
        long[] nanos = new long[requests];
        for (int i = 0; i < requests; i++) {
            long began = System.nanoTime();
            send(server.uri(path), "GET", null, 200);
            nanos[i] = System.nanoTime() - began;
        }
        Arrays.sort(nanos);
        System.err.printf("%s: %d matches%n", name, total);
        return new Timing(name, path, total, requests, quantile(nanos, 0.5), quantile(nanos, 0.95),
                quantile(nanos, 0.99), quantile(nanos, 1.0));
    }

    private static double quantile(long[] sorted, double q) {
        int index = Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1));
        return Math.round(sorted[index] / 1e4) / 100.0;
    }

    private JsonObject send(URI uri, String method, String body, int expected) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IOException(method + " " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
