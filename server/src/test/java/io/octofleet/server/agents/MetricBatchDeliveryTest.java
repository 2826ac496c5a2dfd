package io.octofleet.server.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.proto.agent.v1.AgentMessage;
import io.octofleet.proto.agent.v1.MetricAck;
import io.octofleet.proto.agent.v1.MetricBatch;
import io.octofleet.proto.agent.v1.MetricValue;
import io.octofleet.proto.agent.v1.ServerMessage;
import io.octofleet.server.TestServer;
import io.octofleet.server.metrics.MetricIngest;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Metric batches over a real agent session into the real ingest and back out through the API. */
class MetricBatchDeliveryTest {
    static TestServer server;
    static InProcessAgents grpc;
    private final List<FakeAgent> agents = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("octofleet.grpc.heartbeat-interval", "1h"));
        grpc = InProcessAgents.start(server);
    }

    @AfterAll
    static void stop() {
        grpc.close();
        server.close();
    }

    @AfterEach
    void disconnect() {
        agents.forEach(FakeAgent::disconnect);
    }

    @Test
    void aBatchIsStoredAcknowledgedAndReadableAsASeries() throws Exception {
        FakeAgent agent = connect("metrics-a");
        String spool = UUID.randomUUID().toString();
        Instant at = Instant.now().minusSeconds(30).truncatedTo(ChronoUnit.SECONDS);
        send(agent, batch(spool, 1, at, value("cpu.usage", "", 12.5), value("gpu.temp", "0", 61),
                value("gpu.temp", "1", 70), value("fs.free.pct", "/var/lib/with space", 40)));
        send(agent, batch(spool, 2, at.plusSeconds(15), value("cpu.usage", "", 37.5)));

        assertThat(ack(agent, spool, 1).getError()).isEmpty();
        assertThat(ack(agent, spool, 2).getError()).isEmpty();
        JsonNode answer = json.readTree(server.get("/api/v1/nodes/" + agent.node + "/metrics?names=cpu.usage,gpu.temp,fs.free.pct"
                + "&from=" + at.minusSeconds(60) + "&to=" + at.plusSeconds(60) + "&step=1m").body());
        assertThat(answer.get("step").asText()).isEqualTo("PT1M");
        Map<String, JsonNode> series = new java.util.HashMap<>();
        answer.get("series").forEach(s -> series.put(s.get("name").asText() + "|" + s.get("instance").asText(), s));
        assertThat(series).containsOnlyKeys("cpu.usage|", "gpu.temp|0", "gpu.temp|1", "fs.free.pct|/var/lib/with space");
        // Both cpu samples fall in one or two minute buckets; their mean over the range is 25 either way.
        List<Double> sums = new ArrayList<>();
        series.get("cpu.usage|").get("points").forEach(p -> sums.add(p.get("avg").asDouble()));
        assertThat(sums).isNotEmpty().allSatisfy(v -> assertThat(v).isBetween(12.5, 37.5));
        assertThat(series.get("gpu.temp|1").get("points").get(0).get("max").asDouble()).isEqualTo(70.0);
        assertThat(rows(agent, "cpu.usage")).isEqualTo(2);
    }

    @Test
    void aBatchSentAgainAfterALostAckIsStoredOnce() {
        FakeAgent agent = connect("metrics-b");
        String spool = UUID.randomUUID().toString();
        Instant at = Instant.now().minusSeconds(5);
        send(agent, batch(spool, 7, at, value("load.1", "", 0.5)));
        ack(agent, spool, 7);
        agent.disconnect();
        agent.connect();
        send(agent, batch(spool, 7, at, value("load.1", "", 0.5)));
        send(agent, batch(spool, 3, at.minusSeconds(60), value("load.1", "", 0.25)));

        assertThat(ack(agent, spool, 7).getError()).isEmpty();
        assertThat(ack(agent, spool, 3).getError()).isEmpty();
        assertThat(rows(agent, "load.1")).as("a re-sent or older batch of the same spool is not stored again").isEqualTo(1);

        // A new spool (the agent's state was wiped) numbers from 1 again and is stored.
        String fresh = UUID.randomUUID().toString();
        send(agent, batch(fresh, 1, at.plusSeconds(1), value("load.1", "", 0.75)));
        ack(agent, fresh, 1);
        assertThat(rows(agent, "load.1")).isEqualTo(2);
    }

    @Test
    void anInvalidBatchIsRefusedWithAReasonAndNothingIsStored() {
        FakeAgent agent = connect("metrics-c");
        String spool = UUID.randomUUID().toString();
        Instant now = Instant.now();
        send(agent, batch(spool, 1, now, value("CPU Usage", "", 1), value("cpu.usage", "", 2)));
        send(agent, batch(spool, 2, now, value("cpu.usage", "", Double.NaN)));
        send(agent, batch(spool, 3, now.plus(1, ChronoUnit.DAYS), value("cpu.usage", "", 3)));
        send(agent, batch(spool, 4, now.minus(30, ChronoUnit.DAYS), value("cpu.usage", "", 4)));
        send(agent, batch(spool, 5, now, value("cpu.usage", "bad\u0000instance", 5)));

        assertThat(ack(agent, spool, 1).getError()).contains("invalid metric name 'CPU Usage'");
        assertThat(ack(agent, spool, 2).getError()).contains("not a finite number");
        assertThat(ack(agent, spool, 3).getError()).contains("ahead of the server's clock");
        assertThat(ack(agent, spool, 4).getError()).contains("older than the raw retention");
        assertThat(ack(agent, spool, 5).getError()).contains("invalid instance");
        assertThat(rows(agent, "cpu.usage")).isZero();
    }

    @Test
    void samplesTheAgentDroppedAreRecordedSoTheGapIsVisible() {
        FakeAgent agent = connect("metrics-d");
        String spool = UUID.randomUUID().toString();
        send(agent, MetricBatch.newBuilder(batch(spool, 40, Instant.now(), value("cpu.usage", "", 5)))
                .setDroppedSamplesBefore(1234).build());
        ack(agent, spool, 40);
        Double dropped = server.bean(DSLContext.class).fetchOne("SELECT value FROM metric_samples WHERE node_id = ? AND name = ?",
                agent.node.value(), MetricIngest.DROPPED).get(0, Double.class);
        assertThat(dropped).isEqualTo(1234.0);
    }

    @Test
    void theIntervalComesFromTheParameterOfTheNodeOrItsOrganization() throws Exception {
        FakeAgent defaulted = connect("metrics-e");
        assertThat(welcome(defaulted).getMetricsIntervalSeconds()).isEqualTo(15);

        FakeAgent tuned = grpc.agent("metrics-f");
        agents.add(tuned);
        assertThat(server.send(server.request("/api/v1/nodes/" + tuned.node + "/parameters/OCTOFLEET_METRICS_INTERVAL")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"value\": \"5\"}"))).statusCode()).isEqualTo(200);
        tuned.connect();
        assertThat(welcome(tuned).getMetricsIntervalSeconds()).isEqualTo(5);
    }

    private FakeAgent connect(String hostname) {
        FakeAgent agent = grpc.agent(hostname).connect();
        agents.add(agent);
        return agent;
    }

    private static io.octofleet.proto.agent.v1.Welcome welcome(FakeAgent agent) {
        return agent.received.stream().filter(ServerMessage::hasWelcome).findFirst().orElseThrow().getWelcome();
    }

    private static void send(FakeAgent agent, MetricBatch batch) {
        agent.send(AgentMessage.newBuilder().setMetricBatch(batch));
    }

    private static MetricBatch batch(String spool, long seq, Instant at, MetricValue... values) {
        return MetricBatch.newBuilder().setSpoolId(spool).setBatchSeq(seq).setAtUnixMs(at.toEpochMilli())
                .addAllValues(List.of(values)).build();
    }

    private static MetricValue value(String name, String instance, double value) {
        return MetricValue.newBuilder().setName(name).setInstance(instance).setValue(value).build();
    }

    private static MetricAck ack(FakeAgent agent, String spool, long seq) {
        JobDeliveryTest.await(() -> agent.received.stream().anyMatch(m -> m.hasMetricAck()
                && m.getMetricAck().getSpoolId().equals(spool) && m.getMetricAck().getBatchSeq() == seq));
        MetricAck ack = agent.received.stream().filter(ServerMessage::hasMetricAck).map(ServerMessage::getMetricAck)
                .filter(a -> a.getSpoolId().equals(spool) && a.getBatchSeq() == seq).findFirst().orElseThrow();
        assertThat(ack.getRetryLater()).as("batch %s was not stored (retry later)", seq).isFalse();
        return ack;
    }

    private static int rows(FakeAgent agent, String name) {
        return server.bean(DSLContext.class).fetchOne("SELECT count(*) FROM metric_samples WHERE node_id = ? AND name = ?",
                agent.node.value(), name).get(0, Integer.class);
    }
}
