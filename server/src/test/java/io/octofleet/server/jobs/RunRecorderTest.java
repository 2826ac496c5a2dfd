package io.octofleet.server.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import io.octofleet.server.db.tables.records.JobRunsRecord;
import io.octofleet.server.nodes.NodeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The run recorder stores a burst of many runs' updates in a few statements per batch: each run's updates in order,
 * each exactly once, acknowledged with what is stored, and never an update of one node into another node's run.
 * Against the real server and database; the updates are submitted as sessions would submit them.
 */
class RunRecorderTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /**
     * Records the highest acknowledged number per run, as an agent's session does. The recorder answers once per
     * stored batch and run, so this waits for numbers, not for a count of answers.
     */
    static final class Acks implements RunRecorder.Receipt {
        final Map<RunId, Long> through = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<RunId> failed = new ConcurrentLinkedQueue<>();

        @Override
        public synchronized void stored(RunId run, long throughSeq) {
            through.merge(run, throughSeq, Math::max);
            notifyAll();
        }

        @Override
        public synchronized void failed(RunId run, Exception cause) {
            failed.add(run);
            notifyAll();
        }

        /** Waits until every run in {@code expected} is acknowledged through at least its number, or one failed. */
        synchronized boolean await(Map<RunId, Long> expected, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (failed.isEmpty() && !expected.entrySet().stream()
                    .allMatch(e -> through.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    @Test
    void aBurstOfManyRunsIsStoredInOrderOnceEachAndOnlyForTheSendingNode() throws Exception {
        int nodes = 40;
        List<NodeId> ids = new ArrayList<>();
        StringBuilder targets = new StringBuilder();
        for (int i = 0; i < nodes; i++) {
            NodeId node = server.createNode("rec-" + i);
            ids.add(node);
            targets.append(i == 0 ? "" : ",").append('"').append(node).append('"');
        }
        String job = JSON.readTree(server.post("/api/v1/jobs", "{\"kind\":\"shell\",\"script\":\"true\","
                + "\"targets\":{\"nodeIds\":[" + targets + "]}}").body()).get("id").asText();
        JobRepository repository = server.bean(JobRepository.class);
        List<JobRunsRecord> runs = repository.dsl().transactionResult(cfg ->
                repository.latestRuns(cfg.dsl(), new JobId(java.util.UUID.fromString(job))));
        assertThat(runs).hasSize(nodes);

        RunRecorder recorder = server.bean(RunRecorder.class);
        Instant at = Instant.parse("2026-12-06T09:00:00Z");
        NodeId stranger = ids.get(0);
        // Per run: started, output, a re-send of the output, finished; plus an update for run 1 from another node.
        Acks acks = new Acks();
        Map<RunId, Long> allThrough3 = new java.util.HashMap<>();
        for (JobRunsRecord run : runs) {
            NodeId node = new NodeId(run.getNodeId());
            RunId id = new RunId(run.getId());
            allThrough3.put(id, 3L);
            String line = "out of " + node + "\n";
            RunUpdate output = new RunUpdate(id, 2, at.plusSeconds(1),
                    new RunUpdate.Output("stdout", line.getBytes(StandardCharsets.UTF_8), 0));
            recorder.submit(node, new RunUpdate(id, 1, at, new RunUpdate.Started()), acks);
            recorder.submit(node, output, acks);
            recorder.submit(node, output, acks);
            int exit = run.getNodeId().equals(stranger.value()) ? 3 : 0;
            recorder.submit(node, new RunUpdate(id, 3, at.plusSeconds(2), new RunUpdate.Finished(
                    exit == 0 ? RunStatus.SUCCEEDED : RunStatus.FAILED, exit, null, null)), acks);
        }
        Acks strangers = new Acks();
        JobRunsRecord notTheStrangers = runs.stream().filter(r -> !r.getNodeId().equals(stranger.value()))
                .findFirst().orElseThrow();
        recorder.submit(stranger, new RunUpdate(new RunId(notTheStrangers.getId()), 4, at.plusSeconds(3),
                new RunUpdate.Output("stdout", "not mine\n".getBytes(StandardCharsets.UTF_8), 0)), strangers);
        assertThat(acks.await(allThrough3, 30)).isTrue();
        assertThat(strangers.await(Map.of(new RunId(notTheStrangers.getId()), 4L), 30)).isTrue();
        // Acknowledged as it is (so that agent stops re-sending it), stored nowhere.
        assertThat(strangers.through).containsExactly(Map.entry(new RunId(notTheStrangers.getId()), 4L));

        assertThat(acks.failed).isEmpty();
        for (JobRunsRecord run : runs) {
            assertThat(acks.through.get(new RunId(run.getId()))).isEqualTo(3L);
        }
        List<JobRunsRecord> after = repository.dsl().transactionResult(cfg ->
                repository.latestRuns(cfg.dsl(), new JobId(java.util.UUID.fromString(job))));
        for (JobRunsRecord run : after) {
            boolean failing = run.getNodeId().equals(stranger.value());
            assertThat(run.getLastSeq()).isEqualTo(3L);
            assertThat(run.getStatus()).isEqualTo(failing ? "failed" : "succeeded");
            assertThat(run.getExitCode()).isEqualTo(failing ? 3 : 0);
            assertThat(run.getAgentFinished()).isTrue();
            assertThat(run.getStartedAt().toInstant()).isEqualTo(at);
            assertThat(run.getFinishedAt().toInstant()).isEqualTo(at.plusSeconds(2));
            String line = "out of " + run.getNodeId() + "\n";
            assertThat(run.getOutputBytes()).isEqualTo(line.length());
            assertThat(server.get("/api/v1/jobs/" + job + "/runs/" + run.getNodeId() + "/output").body())
                    .isEqualTo(line);
        }
        TestServer.eventually(() -> "failed".equals(jobStatus(job)));
    }

    @Test
    void aResentUpdateIsSkippedWhatFollowsItIsStoredAndOneOutOfOrderWaits() throws Exception {
        NodeId node = server.createNode("rec-resend");
        String job = JSON.readTree(server.post("/api/v1/jobs", "{\"kind\":\"shell\",\"script\":\"true\","
                + "\"targets\":{\"nodeIds\":[\"" + node + "\"]}}").body()).get("id").asText();
        JobRepository repository = server.bean(JobRepository.class);
        JobRunsRecord run = repository.dsl().transactionResult(cfg ->
                repository.latestRuns(cfg.dsl(), new JobId(java.util.UUID.fromString(job)))).get(0);
        RunId id = new RunId(run.getId());
        RunRecorder recorder = server.bean(RunRecorder.class);
        Instant at = Instant.parse("2026-12-07T09:00:00Z");
        RunUpdate started = new RunUpdate(id, 1, at, new RunUpdate.Started());
        RunUpdate first = new RunUpdate(id, 2, at.plusSeconds(1),
                new RunUpdate.Output("stdout", "one\n".getBytes(StandardCharsets.UTF_8), 0));
        Acks before = new Acks();
        recorder.submit(node, started, before);
        recorder.submit(node, first, before);
        assertThat(before.await(Map.of(id, 2L), 30)).isTrue();
        assertThat(before.through.get(id)).isEqualTo(2L);

        // The agent lost the acks and sends everything again, with what came since; seq 5 comes before seq 4.
        Acks after = new Acks();
        recorder.submit(node, started, after);
        recorder.submit(node, first, after);
        recorder.submit(node, new RunUpdate(id, 3, at.plusSeconds(2),
                new RunUpdate.Output("stdout", "two\n".getBytes(StandardCharsets.UTF_8), 10)), after);
        recorder.submit(node, new RunUpdate(id, 5, at.plusSeconds(4), new RunUpdate.Finished(
                RunStatus.SUCCEEDED, 0, null, null)), after);
        recorder.submit(node, new RunUpdate(id, 4, at.plusSeconds(3),
                new RunUpdate.Output("stdout", "three\n".getBytes(StandardCharsets.UTF_8), 0)), after);
        assertThat(after.await(Map.of(id, 4L), 30)).isTrue();
        assertThat(after.failed).isEmpty();
        assertThat(after.through.get(id)).isEqualTo(4L); // 5 was not next when it came: the agent sends it again

        JobRunsRecord stored = repository.dsl().selectFrom(io.octofleet.server.db.Tables.JOB_RUNS)
                .where(io.octofleet.server.db.Tables.JOB_RUNS.ID.eq(id.value())).fetchOne();
        assertThat(stored.getLastSeq()).isEqualTo(4L);
        assertThat(stored.getStatus()).isEqualTo("running");
        assertThat(stored.getStartedAt().toInstant()).isEqualTo(at);
        // 4 + (10 dropped + 4) + 6 bytes; each chunk stored once, at its place in the whole output
        assertThat(stored.getOutputBytes()).isEqualTo(24L);
        assertThat(repository.dsl().select(io.octofleet.server.db.Tables.RUN_OUTPUT.SEQ,
                        io.octofleet.server.db.Tables.RUN_OUTPUT.BYTE_OFFSET)
                .from(io.octofleet.server.db.Tables.RUN_OUTPUT)
                .where(io.octofleet.server.db.Tables.RUN_OUTPUT.RUN_ID.eq(id.value()))
                .orderBy(io.octofleet.server.db.Tables.RUN_OUTPUT.SEQ)
                .fetch(r -> r.value1() + "@" + r.value2())).containsExactly("2@0", "3@14", "4@18");

        Acks last = new Acks();
        recorder.submit(node, new RunUpdate(id, 5, at.plusSeconds(4), new RunUpdate.Finished(
                RunStatus.SUCCEEDED, 0, null, null)), last);
        assertThat(last.await(Map.of(id, 5L), 30)).isTrue();
        assertThat(last.through.get(id)).isEqualTo(5L);
        TestServer.eventually(() -> "succeeded".equals(jobStatus(job)));
    }

    static String jobStatus(String job) {
        try {
            return JSON.readTree(server.get("/api/v1/jobs/" + job + "?runs=false").body()).get("status").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
