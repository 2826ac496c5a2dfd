package io.octofleet.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.octofleet.server.TestServer;
import io.octofleet.server.metrics.StoredSamples;
import io.octofleet.server.nodes.NodeId;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Rules evaluated on real stored samples, alerts firing and resolving, signed webhooks to a real HTTP receiver. */
class AlertsTest {
    static final String SECRET = "a-webhook-secret-of-32-characters";
    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static HttpServer receiver;
    static final List<Map<String, String>> calls = new CopyOnWriteArrayList<>();
    static final AtomicInteger answer = new AtomicInteger(200);
    static String channel;
    static long spoolSeq;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("octofleet.alerts.evaluation-interval", "1h",
                "octofleet.alerts.delivery-interval", "1h"));
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = answer.get();
            if (status == 200) {
                calls.add(Map.of("body", body,
                        "event", exchange.getRequestHeaders().getFirst("X-Octofleet-Event"),
                        "timestamp", exchange.getRequestHeaders().getFirst("X-Octofleet-Timestamp"),
                        "signature", exchange.getRequestHeaders().getFirst("X-Octofleet-Signature")));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        HttpResponse<String> created = server.post("/api/v1/notification-channels", "{\"name\": \"ops-hook\", "
                + "\"kind\": \"webhook\", \"secret\": \"" + SECRET + "\", \"settings\": {\"url\": \"http://127.0.0.1:"
                + receiver.getAddress().getPort() + "/hook\"}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        channel = JSON.readTree(created.body()).get("id").asText();
    }

    @AfterAll
    static void stop() {
        receiver.stop(0);
        server.close();
    }

    @Test
    void aHotGpuFiresOnceNotifiesSignedAndResolvesWhenItCools() throws Exception {
        String rule = rule("{\"name\": \"gpu too hot\", \"expression\": \"gpu.temp > 85 for 2m\", \"severity\": \"critical\", "
                + "\"channelIds\": [\"" + channel + "\"]}");
        NodeId hot = server.createNode("gpu-hot");
        NodeId fresh = server.createNode("gpu-fresh");
        Instant now = Instant.now();
        for (int s = 180; s >= 5; s -= 15) {
            sample(hot, "gpu.temp", "0", now.minusSeconds(s), 90);
        }
        sample(fresh, "gpu.temp", "0", now.minusSeconds(20), 95); // appeared 20 s ago: not held for 2 minutes yet

        List<AlertEvaluator.Change> first = evaluator().evaluate();
        assertThat(first).filteredOn(c -> c.rule().equals("gpu too hot")).singleElement()
                .satisfies(c -> {
                    assertThat(c.event()).isEqualTo("firing");
                    assertThat(c.hostname()).isEqualTo("gpu-hot");
                    assertThat(c.instance()).isEqualTo("0");
                });
        assertThat(evaluator().evaluate()).as("still holding: no second alert").filteredOn(c -> c.rule().equals("gpu too hot")).isEmpty();
        assertThat(firing("gpu too hot")).hasSize(1);

        int before = calls.size();
        assertThat(notifier().deliverDue()).isEqualTo(1);
        assertThat(calls).hasSize(before + 1);
        JsonNode body = verified(calls.get(before));
        assertThat(body.get("event").asText()).isEqualTo("firing");
        assertThat(body.get("rule").get("name").asText()).isEqualTo("gpu too hot");
        assertThat(body.get("rule").get("condition").asText()).isEqualTo("gpu.temp > 85.0 for 120s");
        assertThat(body.get("node").get("hostname").asText()).isEqualTo("gpu-hot");
        assertThat(body.get("alert").get("value").asDouble()).isEqualTo(90.0);

        sample(hot, "gpu.temp", "0", Instant.now().minusSeconds(1), 70);
        assertThat(evaluator().evaluate()).filteredOn(c -> c.rule().equals("gpu too hot"))
                .extracting(AlertEvaluator.Change::event).containsExactly("resolved");
        assertThat(notifier().deliverDue()).isEqualTo(1);
        JsonNode resolved = verified(calls.get(before + 1));
        assertThat(resolved.get("event").asText()).isEqualTo("resolved");
        assertThat(resolved.get("alert").get("resolvedAt").isNull()).isFalse();
        assertThat(firing("gpu too hot")).isEmpty();

        JsonNode audit = JSON.readTree(server.get("/api/v1/audit?action=alert.firing").body());
        assertThat(audit.toString()).contains("gpu too hot", "gpu-hot");
        assertThat(JSON.readTree(server.get("/api/v1/audit?action=alert.resolved").body()).toString()).contains("gpu too hot");
        assertThat(JSON.readTree(server.get("/api/v1/alert-rules/" + rule).body()).get("comparator").asText()).isEqualTo(">");
    }

    @Test
    void aSeriesThatStopsReportingNoLongerHoldsItsRule() throws Exception {
        rule("{\"name\": \"fan stuck\", \"expression\": \"fan.rpm < 100 for 5m\"}");
        NodeId node = server.createNode("fan-01");
        Instant now = Instant.now();
        for (int s = 400; s >= 5; s -= 15) {
            sample(node, "fan.rpm", "0", now.minusSeconds(s), 0);
        }
        assertThat(evaluator().evaluate()).filteredOn(c -> c.rule().equals("fan stuck"))
                .extracting(AlertEvaluator.Change::event).containsExactly("firing");
        // The agent stops; every sample it sent still breaks the rule, but none is newer than the grace period.
        server.bean(DSLContext.class).execute("UPDATE metric_samples SET time = time - interval '2 minutes' "
                + "WHERE node_id = ? AND name = 'fan.rpm'", node.value());
        assertThat(evaluator().evaluate()).filteredOn(c -> c.rule().equals("fan stuck"))
                .extracting(AlertEvaluator.Change::event).containsExactly("resolved");
        assertThat(firing("fan stuck")).isEmpty();
    }

    @Test
    void disablingARuleResolvesItsFiringAlertsAndSaysSo() throws Exception {
        String rule = rule("{\"name\": \"swap storm\", \"expression\": \"swap.used.bytes > 1000\", "
                + "\"channelIds\": [\"" + channel + "\"]}");
        NodeId node = server.createNode("swap-01");
        sample(node, "swap.used.bytes", "", Instant.now().minusSeconds(2), 5000);
        assertThat(evaluator().evaluate()).filteredOn(c -> c.rule().equals("swap storm")).hasSize(1);
        int before = calls.size();
        assertThat(notifier().deliverDue()).isEqualTo(1);

        JsonNode current = JSON.readTree(server.get("/api/v1/alert-rules/" + rule).body());
        HttpResponse<String> disabled = server.send(server.request("/api/v1/alert-rules/" + rule)
                .header("Content-Type", "application/json").PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"name\": \"swap storm\", \"expression\": \"swap.used.bytes > 1000\", \"enabled\": false, "
                                + "\"channelIds\": [\"" + channel + "\"]}")));
        assertThat(disabled.statusCode()).as(disabled.body()).isEqualTo(200);
        assertThat(current.get("enabled").asBoolean()).isTrue();
        assertThat(evaluator().evaluate()).filteredOn(c -> c.rule().equals("swap storm"))
                .extracting(AlertEvaluator.Change::event).containsExactly("resolved");
        assertThat(firing("swap storm")).isEmpty();
        assertThat(notifier().deliverDue()).isEqualTo(1);
        assertThat(verified(calls.get(before + 1)).get("event").asText()).isEqualTo("resolved");
        assertThat(evaluator().evaluate()).as("a disabled rule fires nothing").filteredOn(c -> c.rule().equals("swap storm"))
                .isEmpty();
    }

    @Test
    void aSilenceMutesTheNotificationButTheAlertIsStillTracked() throws Exception {
        String rule = rule("{\"name\": \"disk full\", \"expression\": \"fs.free.pct[/var] < 10 for 1m\", "
                + "\"channelIds\": [\"" + channel + "\"]}");
        NodeId node = server.createNode("db-01");
        HttpResponse<String> silence = server.post("/api/v1/alert-silences", "{\"ruleId\": \"" + rule
                + "\", \"duration\": \"2h\", \"comment\": \"migrating /var\"}");
        assertThat(silence.statusCode()).as(silence.body()).isEqualTo(201);
        Instant now = Instant.now();
        for (int s = 90; s >= 5; s -= 15) {
            sample(node, "fs.free.pct", "/var", now.minusSeconds(s), 4);
            sample(node, "fs.free.pct", "/", now.minusSeconds(s), 4); // another mount: the rule names /var only
        }
        int before = calls.size();
        assertThat(evaluator().evaluate()).filteredOn(c -> c.rule().equals("disk full")).hasSize(1);
        notifier().deliverDue();
        assertThat(calls).hasSize(before);
        JsonNode alerts = JSON.readTree(server.get("/api/v1/alerts?state=firing").body()).get("items");
        JsonNode alert = null;
        for (JsonNode a : alerts) {
            if (a.get("rule").asText().equals("disk full")) {
                alert = a;
            }
        }
        assertThat(alert).isNotNull();
        assertThat(alert.get("silenced").asBoolean()).isTrue();
        assertThat(alert.get("instance").asText()).isEqualTo("/var");
    }

    @Test
    void anOfflineNodeFiresItsRule() throws Exception {
        rule("{\"name\": \"node down\", \"kind\": \"node_offline\", \"forDuration\": \"10m\"}");
        NodeId gone = server.createNode("gone-01");
        NodeId recent = server.createNode("flaky-01");
        DSLContext db = server.bean(DSLContext.class);
        db.execute("UPDATE nodes SET online = false, last_seen = now() - interval '20 minutes' WHERE id = ?", gone.value());
        db.execute("UPDATE nodes SET online = false, last_seen = now() - interval '2 minutes' WHERE id = ?", recent.value());
        assertThat(evaluator().evaluate()).filteredOn(c -> c.rule().equals("node down"))
                .extracting(AlertEvaluator.Change::hostname).contains("gone-01").doesNotContain("flaky-01");
    }

    @Test
    void aReceiverThatIsDownGetsTheNotificationLater() throws Exception {
        rule("{\"name\": \"load high\", \"expression\": \"load.1 >= 8 for 1m\", \"channelIds\": [\"" + channel + "\"]}");
        NodeId node = server.createNode("busy-01");
        Instant now = Instant.now();
        for (int s = 90; s >= 5; s -= 15) {
            sample(node, "load.1", "", now.minusSeconds(s), 12);
        }
        evaluator().evaluate();
        int before = calls.size();
        answer.set(503);
        try {
            assertThat(notifier().deliverDue()).isZero();
        } finally {
            answer.set(200);
        }
        DSLContext db = server.bean(DSLContext.class);
        assertThat(db.fetchOne("SELECT attempts, last_error FROM alert_notifications WHERE delivered_at IS NULL "
                + "AND payload->'rule'->>'name' = 'load high'").get(1, String.class)).contains("HTTP 503");
        assertThat(notifier().deliverDue()).as("not due yet: backing off").isZero();
        db.execute("UPDATE alert_notifications SET next_attempt_at = now() WHERE delivered_at IS NULL");
        assertThat(notifier().deliverDue()).isEqualTo(1);
        assertThat(verified(calls.get(before)).get("rule").get("name").asText()).isEqualTo("load high");
    }

    @Test
    void theChannelTestSendsASignedCallAndTheSecretIsNeverShown() throws Exception {
        int before = calls.size();
        JsonNode result = JSON.readTree(server.post("/api/v1/notification-channels/" + channel + "/test", "").body());
        assertThat(result.get("delivered").asBoolean()).isTrue();
        assertThat(verified(calls.get(before)).get("event").asText()).isEqualTo("test");
        String shown = server.get("/api/v1/notification-channels/" + channel).body();
        assertThat(shown).contains("\"hasSecret\":true").doesNotContain(SECRET);
    }

    @Test
    void badRulesAndChannelsAreRefusedAndNothingIsStored() {
        int rules = count("alert_rules");
        int channels = count("notification_channels");
        refused("/api/v1/alert-rules", "{\"name\": \"x\", \"expression\": \"gpu.temp >> 85\"}", "expression must read like");
        refused("/api/v1/alert-rules", "{\"name\": \"x\", \"kind\": \"weather\"}", "kind: metric or node_offline");
        refused("/api/v1/alert-rules", "{\"name\": \"x\", \"metric\": \"gpu.temp\", \"comparator\": \"!=\", \"threshold\": 1}",
                "comparator");
        refused("/api/v1/alert-rules", "{\"expression\": \"gpu.temp > 85\"}", "name is required");
        refused("/api/v1/alert-rules", "{\"name\": \"x\", \"expression\": \"gpu.temp > 85\", \"channelIds\": [\""
                + UUID.randomUUID() + "\"]}", "channelIds");
        refused("/api/v1/notification-channels", "{\"name\": \"y\", \"kind\": \"webhook\", \"settings\": "
                + "{\"url\": \"http://127.0.0.1/\"}}", "needs a secret");
        refused("/api/v1/notification-channels", "{\"name\": \"y\", \"kind\": \"webhook\", \"secret\": \"" + SECRET
                + "\", \"settings\": {\"url\": \"ftp://example.org/\"}}", "http or https");
        refused("/api/v1/notification-channels", "{\"name\": \"y\", \"kind\": \"pager\", \"secret\": \"" + SECRET + "\"}",
                "kind: one of [webhook]");
        refused("/api/v1/alert-silences", "{\"duration\": \"1h\", \"comment\": \"c\"}", "names a ruleId, a nodeId or both");
        assertThat(count("alert_rules")).isEqualTo(rules);
        assertThat(count("notification_channels")).isEqualTo(channels);
        assertThat(server.get("/api/v1/alerts?state=burning").statusCode()).isEqualTo(400);
    }

    private static JsonNode verified(Map<String, String> call) throws Exception {
        assertThat(call.get("signature")).isEqualTo("sha256=" + WebhookChannel.sign(SECRET,
                call.get("timestamp") + "." + call.get("body")));
        assertThat(Long.parseLong(call.get("timestamp"))).isCloseTo(Instant.now().getEpochSecond(),
                org.assertj.core.data.Offset.offset(60L));
        return JSON.readTree(call.get("body"));
    }

    private static String rule(String json) throws Exception {
        HttpResponse<String> created = server.post("/api/v1/alert-rules", json);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return JSON.readTree(created.body()).get("id").asText();
    }

    private static void refused(String path, String json, String reason) {
        HttpResponse<String> response = server.post(path, json);
        assertThat(response.statusCode()).as(path + " " + json + ": " + response.body()).isEqualTo(400);
        assertThat(response.body()).contains(reason);
    }

    private static List<String> firing(String rule) throws Exception {
        List<String> hosts = new java.util.ArrayList<>();
        for (JsonNode a : JSON.readTree(server.get("/api/v1/alerts?state=firing").body()).get("items")) {
            if (a.get("rule").asText().equals(rule)) {
                hosts.add(a.get("hostname").asText());
            }
        }
        return hosts;
    }

    private static int count(String table) {
        return server.bean(DSLContext.class).fetchOne("SELECT count(*) FROM " + table).get(0, Integer.class);
    }

    private static AlertEvaluator evaluator() {
        return server.bean(AlertEvaluator.class);
    }

    private static Notifier notifier() {
        return server.bean(Notifier.class);
    }

    private static synchronized void sample(NodeId node, String name, String instance, Instant at, double value) {
        StoredSamples.store(server, node, ++spoolSeq, at.truncatedTo(ChronoUnit.MILLIS), name, instance, value);
    }
}
