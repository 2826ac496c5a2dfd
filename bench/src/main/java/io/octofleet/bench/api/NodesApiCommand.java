package io.octofleet.bench.api;

import com.google.gson.JsonObject;
import io.octofleet.bench.report.JsonReport;
import io.octofleet.bench.report.Machine;
import io.octofleet.bench.report.Quantiles;
import io.octofleet.bench.server.OctofleetApi;
import io.octofleet.bench.server.ServerProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URLEncoder;
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

    @Override
    public Integer call() throws Exception {
        Instant date = Instant.now();
        List<Timing> timings = new ArrayList<>();
        long nodes;
        try (ServerProcess server = ServerProcess.start(serverJar, work.resolve("home"), List.of(), Map.of(),
                Duration.ofMinutes(5))) {
            OctofleetApi api = new OctofleetApi(server::uri);
            api.login("admin", server.adminPassword());
            nodes = api.getJson("/api/v1/nodes?size=1").get("total").getAsLong();
            System.err.printf("%d nodes on the server%n", nodes);
            String groupId = group(api);
            Map<String, String> queries = new LinkedHashMap<>();
            queries.put("nodes: rule filter, sorted by last seen",
                    "/api/v1/nodes?size=50&sort=-lastSeen&query=" + encode("os.family = \"linux\" and cpu.cores >= 32"));
            queries.put("nodes: online, sorted by hostname", "/api/v1/nodes?size=50&status=online&sort=hostname");
            queries.put("nodes: text search", "/api/v1/nodes?size=50&q=sim-0421");
            queries.put("nodes: package rule", "/api/v1/nodes?size=50&query=" + encode("package = \"nvidia-driver-550\""));
            queries.put("dynamic group members (" + GROUP_RULE + ")", "/api/v1/groups/" + groupId + "/nodes?size=50");
            for (Map.Entry<String, String> query : queries.entrySet()) {
                timings.add(time(api, query.getKey(), query.getValue()));
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

    private static String group(OctofleetApi api) throws IOException, InterruptedException {
        JsonObject groups = api.getJson("/api/v1/groups?size=500");
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
        return api.postJson("/api/v1/groups", body.toString(), 201).get("id").getAsString();
    }

    private Timing time(OctofleetApi api, String name, String path) throws IOException, InterruptedException {
        long total = 0;
        for (int i = 0; i < warmup; i++) {
            total = api.getJson(path).get("total").getAsLong();
        }
        long[] nanos = new long[requests];
        for (int i = 0; i < requests; i++) {
            long began = System.nanoTime();
            api.getJson(path);
            nanos[i] = System.nanoTime() - began;
        }
        Arrays.sort(nanos);
        System.err.printf("%s: %d matches%n", name, total);
        return new Timing(name, path, total, requests, Quantiles.ms(nanos, 0.5), Quantiles.ms(nanos, 0.95),
                Quantiles.ms(nanos, 0.99), Quantiles.ms(nanos, 1.0));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
