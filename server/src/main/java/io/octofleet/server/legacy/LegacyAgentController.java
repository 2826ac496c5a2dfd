package io.octofleet.server.legacy;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.audit.AgentTraffic;
import io.octofleet.server.auth.Anonymous;
import io.octofleet.server.inventory.InventoryService;
import io.octofleet.server.jobs.JobService;
import io.octofleet.server.jobs.RunStatus;
import io.octofleet.server.metrics.MetricBatch;
import io.octofleet.server.metrics.MetricIngest;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.problem.Problem;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP API the Python-era Octofleet agents speak (docs/migration.md): paths under {@code /api/v1}, JSON bodies,
 * the key in {@code X-API-Key}. Open to anonymous callers as far as bearer tokens go; every route checks the key
 * first (401 without a valid one, before the body is read), then the key's rate (429), then the body (400), and only
 * then changes anything.
 */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
@AgentTraffic
final class LegacyAgentController {
    private static final Logger LOG = LoggerFactory.getLogger(LegacyAgentController.class);
    static final String KEY_HEADER = "X-API-Key";
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);

    private final LegacyKeys keys;
    private final LegacyRateLimit rateLimit;
    private final LegacyNodes nodes;
    private final LegacyJobs jobs;
    private final InventoryService inventory;
    private final MetricIngest metrics;
    private final DSLContext dsl;
    private final JsonMapper json;

    LegacyAgentController(LegacyKeys keys, LegacyRateLimit rateLimit, LegacyNodes nodes, LegacyJobs jobs,
                          InventoryService inventory, MetricIngest metrics, DSLContext dsl, JsonMapper json) {
        this.keys = keys;
        this.rateLimit = rateLimit;
        this.nodes = nodes;
        this.jobs = jobs;
        this.inventory = inventory;
        this.metrics = metrics;
        this.dsl = dsl;
        this.json = json;
    }

    @Serdeable
    record Accepted(String status, String nodeId, String node, boolean changed) {
    }

    @Serdeable
    record Pending(List<LegacyJobs.PendingJob> jobs, int count) {
    }

    @Serdeable
    record Ok(String status) {
    }

    /**
     * Nothing to update to: this server does not distribute legacy agents, so {@code latest} is 0.0.0, which is
     * never newer than an agent's own version and so never starts a self-update.
     */
    @Serdeable
    record Version(String version, String latest, String downloadUrl, String message) {
    }

    // Anonymous as to bearer tokens: legacy agents authenticate with X-API-Key, checked first in every route.
    @Anonymous
    @Post("/inventory/full")
    @Consumes(MediaType.ALL)
    Accepted inventory(HttpRequest<?> request, @Body @Nullable byte[] body) {
        LegacyCaller caller = authenticate(request);
        String text = text(body);
        LegacyInventory.Report report = LegacyInventory.map(LegacyJson.root(parse(text)), Instant.now());
        Instant now = Instant.now();
        LegacyNodes.Found stored;
        try {
            stored = keep(caller, report, text, now);
        } catch (org.jooq.exception.IntegrityConstraintViolationException raced) {
            stored = keep(caller, report, text, now); // two first reports of one node at once: the other made it
        }
        var update = inventory.store(stored.id(), report.inventory(), sha256(json(report.inventory())),
                report.collectedAt());
        nodes.seen(stored.id(), report.hostname(), report.agentVersion());
        return new Accepted("ok", report.legacyId(), stored.id().toString(), update.stored());
    }

    private LegacyNodes.Found keep(LegacyCaller caller, LegacyInventory.Report report, String text, Instant now) {
        return dsl.transactionResult(c -> {
            DSLContext tx = c.dsl();
            LegacyNodes.Found node = nodes.findOrCreate(tx, caller.organization(), report.legacyId(),
                    report.hostname(), report.agentVersion());
            nodes.keepReport(tx, node.id(), "inventory", now, report.agentVersion(), text);
            return node;
        });
    }

    // Anonymous as to bearer tokens: legacy agents authenticate with X-API-Key, checked first in every route.
    @Anonymous
    @Post("/live-data")
    @Consumes(MediaType.ALL)
    HttpResponse<?> liveData(HttpRequest<?> request, @Body @Nullable byte[] body) {
        LegacyCaller caller = authenticate(request);
        LegacyJson root = LegacyJson.root(parse(text(body)));
        String sentId = LegacyInventory.checkedId(root.text("nodeId"));
        Instant now = Instant.now();
        LegacyNodes.Found node = nodes.find(caller.organization(), sentId).orElseThrow(() -> ApiException.notFound(
                "legacy node '" + sentId + "': the agent's first inventory (POST /api/v1/inventory/full) creates it"));
        LegacyLiveData.Sample sample = LegacyLiveData.map(root, node.platform(), now);
        String kept = json(sample.kept());
        CompletableFuture<HttpResponse<?>> answer = new CompletableFuture<>();
        metrics.submit(node.id(), sample.batch(), new MetricIngest.Receipt() {
            @Override
            public void stored() {
                answer.complete(HttpResponse.ok(new Ok("ok")));
            }

            @Override
            public void refused(String reason) {
                answer.completeExceptionally(ApiException.invalid("live data refused: " + reason));
            }

            @Override
            public void retryLater() {
                answer.complete(busy());
            }
        });
        HttpResponse<?> response = await(answer);
        if (response.getStatus() == HttpStatus.OK) {
            nodes.keepReport(dsl, node.id(), "live-data", now, null, kept);
            nodes.seen(node.id(), null, null);
        }
        return response;
    }

    // Anonymous as to bearer tokens: legacy agents authenticate with X-API-Key, checked first in every route.
    @Anonymous
    @Get("/jobs/pending/{nodeId}")
    Pending pending(HttpRequest<?> request, @PathVariable String nodeId) {
        LegacyCaller caller = authenticate(request);
        String sentId = LegacyInventory.checkedId(nodeId);
        var node = nodes.find(caller.organization(), sentId);
        if (node.isEmpty()) {
            return new Pending(List.of(), 0); // polls before its first inventory: nothing for it yet
        }
        nodes.seen(node.get().id(), null, null);
        List<LegacyJobs.PendingJob> pending = jobs.pending(node.get(), Instant.now());
        return new Pending(pending, pending.size());
    }

    // Anonymous as to bearer tokens: legacy agents authenticate with X-API-Key, checked first in every route.
    @Anonymous
    @Post("/jobs/instances/{instanceId}/start")
    @Consumes(MediaType.ALL)
    Ok start(HttpRequest<?> request, @PathVariable String instanceId, @Body @Nullable byte[] body) {
        LegacyCaller caller = authenticate(request);
        JobService.RunState run = jobs.run(instanceId, n -> ownNode(caller, n));
        jobs.start(run, Instant.now());
        nodes.seen(run.node(), null, null);
        return new Ok("ok");
    }

    // Anonymous as to bearer tokens: legacy agents authenticate with X-API-Key, checked first in every route.
    @Anonymous
    @Post("/jobs/instances/{instanceId}/result")
    @Consumes(MediaType.ALL)
    Ok result(HttpRequest<?> request, @PathVariable String instanceId, @Body @Nullable byte[] body) {
        LegacyCaller caller = authenticate(request);
        LegacyJson root = LegacyJson.root(parse(text(body)));
        JobService.RunState run = jobs.run(instanceId, n -> ownNode(caller, n));
        Integer exitCode = root.has("exitCode") ? (int) Math.max(Integer.MIN_VALUE,
                Math.min(Integer.MAX_VALUE, root.number("exitCode"))) : null;
        String status = root.text("status").toLowerCase(java.util.Locale.ROOT);
        boolean succeeded;
        if (!status.isEmpty()) {
            if (!status.equals("success") && !status.equals("failed")) {
                throw ApiException.invalid("status must be \"success\" or \"failed\", got '"
                        + LegacyJson.abbreviate(status) + "'");
            }
            succeeded = status.equals("success");
        } else if (root.has("success")) {
            succeeded = root.bool("success"); // the Windows agent
        } else if (exitCode != null) {
            succeeded = exitCode == 0;
        } else {
            throw ApiException.invalid("say how the job ended: status (\"success\" or \"failed\"), success or exitCode");
        }
        jobs.result(run, succeeded ? RunStatus.SUCCEEDED : RunStatus.FAILED, exitCode, root.rawText("stdout"),
                root.rawText("stderr"), Instant.now());
        nodes.seen(run.node(), null, null);
        return new Ok("ok");
    }

    // Anonymous as to bearer tokens: legacy agents authenticate with X-API-Key, checked first in every route.
    @Anonymous
    @Get("/agent/version")
    Version version(HttpRequest<?> request) {
        authenticate(request);
        return new Version("0.0.0", "0.0.0", "",
                "this server does not update legacy agents; roll out the Octofleet agent instead (docs/migration.md)");
    }

    /** The key is over its rate: 429 with Retry-After. */
    static final class RateLimited extends RuntimeException {
        final long retryAfterSeconds;

        RateLimited(long retryAfterSeconds) {
            super("rate limited", null, false, false);
            this.retryAfterSeconds = retryAfterSeconds;
        }
    }

    @Error(exception = RateLimited.class)
    HttpResponse<Problem> rateLimited(HttpRequest<?> request, RateLimited e) {
        return HttpResponse.<Problem>status(HttpStatus.TOO_MANY_REQUESTS)
                .header("Retry-After", String.valueOf(e.retryAfterSeconds))
                .contentType(Problem.MEDIA_TYPE)
                .body(Problem.of("rate-limited", 429, "Too Many Requests", "this legacy key is over its rate limit "
                        + "(octofleet.legacy.rate-limit); send again in " + e.retryAfterSeconds + " s",
                        request.getPath()));
    }

    private boolean ownNode(LegacyCaller caller, NodeId node) {
        return nodes.isLegacy(node) && nodes.organizationOf(node).map(caller.organization()::equals).orElse(false);
    }

    /** The caller's key: 401 without a valid one, 429 when the key is over its rate. */
    private LegacyCaller authenticate(HttpRequest<?> request) {
        String key = request.getHeaders().get(KEY_HEADER);
        if (key == null || key.isBlank()) {
            throw new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized",
                    "missing " + KEY_HEADER + " header: legacy agents send a key made with POST /api/v1/legacy-keys");
        }
        LegacyCaller caller = keys.authenticate(key.strip()).orElseThrow(() -> {
            LOG.debug("Legacy agent request with an unknown or revoked key from {}", request.getRemoteAddress());
            return new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized", KEY_HEADER
                    + " is not a valid legacy key (revoked, mistyped, or the Python-era default, which is never "
                    + "accepted); make one with POST /api/v1/legacy-keys");
        });
        if (!rateLimit.take(caller.keyId())) {
            throw new RateLimited(rateLimit.retryAfterSeconds());
        }
        return caller;
    }

    private static String text(@Nullable byte[] body) {
        if (body == null || body.length == 0) {
            throw ApiException.invalid("the body is empty; send a JSON object");
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    private JsonNode parse(String text) {
        try {
            return json.readValue(text, Argument.of(JsonNode.class));
        } catch (IOException | RuntimeException e) {
            throw ApiException.invalid("the body is not valid JSON: " + LegacyJson.abbreviate(
                    String.valueOf(e.getMessage()).lines().findFirst().orElse("")));
        }
    }

    private String json(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<?> busy() {
        return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "15")
                .body(new Ok("busy: send it again later"));
    }

    private static HttpResponse<?> await(CompletableFuture<HttpResponse<?>> answer) {
        try {
            return answer.get(STORE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return busy();
        } catch (TimeoutException e) {
            return busy();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException api) {
                throw api;
            }
            return busy();
        }
    }
}
