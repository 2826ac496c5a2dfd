package io.octofleet.server.schedules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import io.octofleet.server.nodes.NodeId;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.octofleet.server.db.Tables.SCHEDULES;
import static org.assertj.core.api.Assertions.assertThat;

/** Schedules over the real API and database; a firing is made due by moving its time, not by waiting a minute. */
class ScheduleTest {
    static TestServer server;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("octofleet.jobs.schedule-check-interval", "200ms"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aDueScheduleStartsANormalJobOnTheTargetsOfThatMoment() throws Exception {
        NodeId node = server.createNode("nightly-host");
        JsonNode created = post(Map.of("name", "nightly-uptime", "cron", "30 2 * * *", "timeZone", "Europe/Berlin",
                "job", Map.of("kind", "shell", "script", "uptime",
                        "targets", Map.of("nodeIds", List.of(node.toString())))), 201);
        Instant next = Instant.parse(created.get("nextFireAt").asText());
        assertThat(next.atZone(java.time.ZoneId.of("Europe/Berlin")).getHour()).isEqualTo(2);
        assertThat(next.atZone(java.time.ZoneId.of("Europe/Berlin")).getMinute()).isEqualTo(30);
        assertThat(next).isAfter(Instant.now());

        UUID id = UUID.fromString(created.get("id").asText());
        makeDue(id);
        JsonNode fired = awaitFired(id);
        String jobId = fired.get("lastJobId").asText();
        JsonNode job = JSON.readTree(server.get("/api/v1/jobs/" + jobId).body());
        assertThat(job.get("createdBy").asText()).isEqualTo("schedule:nightly-uptime");
        assertThat(job.get("scheduleId").asText()).isEqualTo(id.toString());
        assertThat(job.get("runs").get(0).get("nodeId").asText()).isEqualTo(node.toString());
        // moved on to its next slot, in the future
        assertThat(Instant.parse(fired.get("nextFireAt").asText())).isAfter(Instant.now());
    }

    @Test
    void aFiringThatMatchesNoNodesRecordsWhy() throws Exception {
        JsonNode created = post(Map.of("name", "empty-targets", "cron", "*/5 * * * *",
                "job", Map.of("kind", "shell", "script", "true", "targets", Map.of("tags", List.of("nobody-has-it")))),
                201);
        UUID id = UUID.fromString(created.get("id").asText());
        makeDue(id);
        JsonNode fired = awaitFired(id);
        assertThat(fired.get("lastError").asText()).contains("match no nodes");
    }

    @Test
    void badSchedulesAreRefusedWithTheReason() throws Exception {
        Map<String, Object> job = Map.of("kind", "shell", "script", "true",
                "targets", Map.of("tags", List.of("x")));
        assertThat(post(Map.of("name", "a", "cron", "* * * *", "job", job), 400).get("detail").asText())
                .contains("five fields");
        assertThat(post(Map.of("name", "a", "cron", "0 25 * * *", "job", job), 400).get("detail").asText())
                .contains("not valid");
        assertThat(post(Map.of("name", "a", "cron", "0 2 * * *", "timeZone", "Mars/Olympus", "job", job), 400)
                .get("detail").asText()).contains("timeZone");
        assertThat(post(Map.of("name", "a", "cron", "0 2 * * *", "job", Map.of("kind", "shell",
                "targets", Map.of("tags", List.of("x")))), 400).get("detail").asText())
                .isEqualTo("job: script is required for kind shell");
        post(Map.of("name", "twice", "cron", "0 2 * * *", "job", job), 201);
        assertThat(post(Map.of("name", "twice", "cron", "0 3 * * *", "job", job), 409).get("detail").asText())
                .contains("already exists");
    }

    @Test
    void aDisabledScheduleDoesNotFireAndCanBeDeleted() throws Exception {
        JsonNode created = post(Map.of("name", "paused", "cron", "* * * * *", "enabled", false,
                "job", Map.of("kind", "shell", "script", "true", "targets", Map.of("tags", List.of("x")))), 201);
        assertThat(created.get("nextFireAt").isNull()).isTrue();
        String id = created.get("id").asText();
        assertThat(server.delete("/api/v1/schedules/" + id).statusCode()).isEqualTo(204);
        assertThat(server.get("/api/v1/schedules/" + id).statusCode()).isEqualTo(404);
    }

    private static void makeDue(UUID id) {
        server.bean(DSLContext.class).update(SCHEDULES)
                .set(SCHEDULES.NEXT_FIRE_AT, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1))
                .where(SCHEDULES.ID.eq(id)).execute();
    }

    private static JsonNode awaitFired(UUID id) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode s = JSON.readTree(server.get("/api/v1/schedules/" + id).body());
            if (!s.get("lastFiredAt").isNull() && (!s.get("lastJobId").isNull() || !s.get("lastError").isNull())) {
                return s;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("schedule " + id + " did not fire");
    }

    private static JsonNode post(Object body, int expected) throws Exception {
        HttpResponse<String> r = server.post("/api/v1/schedules", JSON.writeValueAsString(body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
        return JSON.readTree(r.body());
    }
}
