package io.octofleet.bench.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.octofleet.agent.identity.JoinString;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** The few REST calls a benchmark makes (docs/api.md), as an operator's script would make them. */
public final class OctofleetApi {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Function<String, URI> uri;
    private String bearer;

    /** @param uri resolves an API path ({@code /api/v1/...}) against the server */
    public OctofleetApi(Function<String, URI> uri) {
        this.uri = uri;
    }

    /** {@code POST /api/v1/auth/login}; later calls carry the bearer token. */
    public void login(String username, String password) throws IOException, InterruptedException {
        JsonObject body = new JsonObject();
        body.addProperty("username", username);
        body.addProperty("password", password);
        bearer = postJson("/api/v1/auth/login", body.toString(), 200).get("token").getAsString();
    }

    /** {@code POST /api/v1/enrollment-tokens}: a join string good for {@code uses} enrollments. */
    public JoinString joinString(int uses, Duration ttl) throws IOException, InterruptedException {
        JsonObject body = new JsonObject();
        body.addProperty("maxUses", uses);
        body.addProperty("ttlSeconds", ttl.toSeconds());
        return JoinString.parse(postJson("/api/v1/enrollment-tokens", body.toString(), 201)
                .get("joinString").getAsString());
    }

    /**
     * {@link #joinString} as {@link io.octofleet.bench.sim.FleetIdentities#loadOrEnroll} asks for it: uses in,
     * join string out, failures unchecked.
     */
    public java.util.function.IntFunction<JoinString> joinStrings(Duration ttl) {
        return uses -> {
            try {
                return joinString(uses, ttl);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        };
    }

    /** How many nodes {@code GET /api/v1/nodes?status=online} counts. */
    public long onlineNodes() throws IOException, InterruptedException {
        return getJson("/api/v1/nodes?status=online&size=1").get("total").getAsLong();
    }

    /** {@code POST /api/v1/jobs}; returns the new job's id. */
    public String createJob(String jobJson) throws IOException, InterruptedException {
        return postJson("/api/v1/jobs", jobJson, 201).get("id").getAsString();
    }

    /** {@code GET /api/v1/jobs/{id}?runs=false}: its status and run counts, without the runs. */
    public JobProgress job(String id) throws IOException, InterruptedException {
        JsonObject job = getJson("/api/v1/jobs/" + id + "?runs=false");
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> count : job.getAsJsonObject("counts").entrySet()) {
            counts.put(count.getKey(), count.getValue().getAsLong());
        }
        return new JobProgress(job.get("status").getAsString(), counts);
    }

    /**
     * The server JVM's heap in use, in bytes: the sum of {@code jvm_memory_used_bytes{area="heap"}} over its pools
     * from {@code GET /metrics} (needs {@code server:metrics}, which the admin has).
     */
    public long serverHeapUsedBytes() throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri.apply("/metrics")).GET();
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<java.util.stream.Stream<String>> response = http.send(
                request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofLines());
        try (java.util.stream.Stream<String> lines = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("GET /metrics answered " + response.statusCode());
            }
            return (long) lines.filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
        }
    }

    /** {@code GET path}, expecting 200, as a JSON object. */
    public JsonObject getJson(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri.apply(path)).GET(), path, 200);
    }

    /** {@code POST path} with a JSON body, expecting {@code expected}, as a JSON object. */
    public JsonObject postJson(String path, String json, int expected) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri.apply(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), path, expected);
    }

    private JsonObject send(HttpRequest.Builder request, String path, int expected)
            throws IOException, InterruptedException {
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IOException(request.build().method() + " " + path + " answered " + response.statusCode()
                    + " (expected " + expected + "): " + response.body());
        }
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }
}
