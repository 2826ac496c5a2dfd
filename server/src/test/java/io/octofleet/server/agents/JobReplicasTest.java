package io.octofleet.server.agents;

import com.fasterxml.jackson.databind.JsonNode;
import io.octofleet.proto.agent.v1.RunAssignment;
import io.octofleet.proto.agent.v1.RunStarted;
import io.octofleet.proto.agent.v1.RunUpdate;
import io.octofleet.server.TestServer;
import io.octofleet.server.database.DatabaseServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.octofleet.server.agents.JobDeliveryTest.JSON;
import static io.octofleet.server.agents.JobDeliveryTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two server replicas on one database, the sweep turned off (1 h): a job started or cancelled through one replica
 * reaches an agent connected to the other at once, through PostgreSQL LISTEN/NOTIFY.
 */
class JobReplicasTest {
    static TestServer first;
    static TestServer second;
    static InProcessAgents agentsOfSecond;

    @BeforeAll
    static void start() {
        first = TestServer.start(Map.of("octofleet.jobs.sweep-interval", "1h"));
        DatabaseServer db = first.bean(DatabaseServer.class);
        second = TestServer.start(Map.of("octofleet.jobs.sweep-interval", "1h",
                "octofleet.db.url", db.jdbcUrl(), "octofleet.db.user", db.user(), "octofleet.db.password", db.password()));
        agentsOfSecond = InProcessAgents.start(second);
    }

    @AfterAll
    static void stop() {
        agentsOfSecond.close();
        second.close();
        first.close();
    }

    @Test
    void aJobStartedOnOneReplicaReachesAnAgentOnTheOtherAndCancelFollows() throws Exception {
        FakeAgent agent = agentsOfSecond.agent("replica-host").connect();
        JsonNode job = JSON.readTree(first.post("/api/v1/jobs", JSON.writeValueAsString(Map.of(
                "kind", "shell", "script", "sleep 600",
                "targets", Map.of("nodeIds", List.of(agent.node.toString()))))).body());
        String id = job.get("id").asText();

        long created = System.nanoTime();
        RunAssignment run = agent.assignment();
        long millis = (System.nanoTime() - created) / 1_000_000;
        assertThat(millis).as("pushed through NOTIFY, not found by a sweep").isLessThan(5_000);

        agent.update(run.getRunId(), 1, RunUpdate.newBuilder().setStarted(RunStarted.getDefaultInstance()));
        await(() -> first.get("/api/v1/jobs/" + id).body().contains("\"startedAt\":\""));
        assertThat(first.post("/api/v1/jobs/" + id + "/cancel", "{}").statusCode()).isEqualTo(200);
        await(() -> agent.received.stream().anyMatch(m -> m.hasCancelRun()
                && m.getCancelRun().getRunId().equals(run.getRunId())));
        agent.disconnect();
    }
}
