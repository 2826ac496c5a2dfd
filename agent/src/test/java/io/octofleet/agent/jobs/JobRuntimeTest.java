package io.octofleet.agent.jobs;

import io.octofleet.ansible.project.TarGz;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.octofleet.proto.agent.v1.AnsibleJob;
import io.octofleet.proto.agent.v1.CancelRun;
import io.octofleet.proto.agent.v1.RunAck;
import io.octofleet.proto.agent.v1.RunAssignment;
import io.octofleet.proto.agent.v1.RunFinished;
import io.octofleet.proto.agent.v1.RunOutput;
import io.octofleet.proto.agent.v1.RunUpdate;
import io.octofleet.proto.agent.v1.ShellJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The agent's job delivery against real processes and a real journal on disk; the session is a recording sink. */
@EnabledOnOs(OS.LINUX)
class JobRuntimeTest {
    @TempDir
    Path temp;

    private final List<JobRuntime> runtimes = new ArrayList<>();

    @AfterEach
    void closeRuntimes() {
        runtimes.forEach(JobRuntime::close);
    }

    private Path journal() {
        return temp.resolve("state/runs");
    }

    private JobRuntime runtime() throws IOException {
        return runtime(JobRuntime.DEFAULT_SPOOL_LIMIT, Clock.systemUTC());
    }

    private JobRuntime runtime(long spoolLimit, Clock clock) throws IOException {
        Path work = temp.resolve("work");
        ProgramLocator programs = ProgramLocator.agentPath();
        RunAs runAs = RunAs.forThisProcess(programs);
        JobRuntime runtime = new JobRuntime(journal(), work, List.of(
                new ShellJobExecutor(work.resolve("runs"), programs, runAs, Duration.ofSeconds(1)),
                new AnsibleRunnerJobExecutor(work.resolve("runs"), "ansible-runner", programs, Duration.ofSeconds(1))),
                spoolLimit, clock);
        runtimes.add(runtime);
        return runtime;
    }

    private static RunAssignment shell(String runId, String script) {
        return RunAssignment.newBuilder().setRunId(runId).setJobId("job-1").setAttempt(1)
                .setShell(ShellJob.newBuilder().setScript(script)).setTimeoutSeconds(60).build();
    }

    private static List<Long> oneTo(long last) {
        return LongStream.rangeClosed(1, last).boxed().toList();
    }

    @Test
    void runsAnAssignedScriptAndReportsStartOutputAndEndNumberedWithoutGaps() throws Exception {
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);

        runtime.onAssignment(shell("run-1", "echo one; echo oops >&2; sleep 0.3; echo two; exit 3"));
        RunFinished finished = sink.awaitFinished("run-1").getFinished();

        List<RunUpdate> updates = sink.of("run-1");
        assertThat(updates.get(0).hasStarted()).isTrue();
        assertThat(updates.get(updates.size() - 1).hasFinished()).isTrue();
        assertThat(sink.seqs("run-1")).isEqualTo(oneTo(updates.size()));
        assertThat(finished.getOutcome()).isEqualTo(RunFinished.Outcome.FAILED);
        assertThat(finished.getExitCode()).isEqualTo(3);
        assertThat(finished.getReason()).isEqualTo("exited with 3");
        assertThat(sink.output("run-1", RunOutput.Stream.STDOUT)).isEqualTo("one\ntwo\n");
        assertThat(sink.output("run-1", RunOutput.Stream.STDERR)).isEqualTo("oops\n");
        assertThat(updates).allMatch(u -> u.getAtUnixMs() > 0);
    }

    @Test
    void cutsLargeOutputIntoChunksOfAtMost64KiB() throws Exception {
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);

        runtime.onAssignment(shell("run-big", "head -c 300000 /dev/zero | tr '\\0' x"));
        sink.awaitFinished("run-big");

        List<RunUpdate> outputs = sink.of("run-big").stream().filter(RunUpdate::hasOutput).toList();
        assertThat(outputs).allMatch(u -> u.getOutput().getData().size() <= 64 * 1024);
        assertThat(outputs.size()).isGreaterThanOrEqualTo(5);
        assertThat(sink.output("run-big", RunOutput.Stream.STDOUT)).hasSize(300_000).matches("x+");
    }

    @Test
    void runsAnAssignmentOnlyOnceHoweverOftenItIsSent() throws Exception {
        Path ran = temp.resolve("ran");
        RunAssignment assignment = shell("run-once", "echo ran >> " + ran);
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);

        runtime.onAssignment(assignment);
        runtime.onAssignment(assignment);
        RunUpdate finished = sink.awaitFinished("run-once");
        runtime.onAssignment(assignment);
        runtime.onAck(RunAck.newBuilder().setRunId("run-once").setThroughSeq(finished.getRunSeq()).build());
        awaitGone(journal().resolve("run-once.spool"));
        runtime.onAssignment(assignment);
        runtime.close();
        runtime(JobRuntime.DEFAULT_SPOOL_LIMIT, Clock.systemUTC()).onAssignment(assignment);
        Thread.sleep(500);

        assertThat(Files.readAllLines(ran)).containsExactly("ran");
    }

    @Test
    void anExpiredAssignmentIsReportedFailedAndNotRun() throws Exception {
        Path ran = temp.resolve("ran");
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);

        runtime.onAssignment(shell("run-late", "touch " + ran).toBuilder()
                .setExpiresUnixMs(System.currentTimeMillis() - 1000).build());
        RunFinished finished = sink.awaitFinished("run-late").getFinished();

        assertThat(sink.seqs("run-late")).containsExactly(1L);
        assertThat(finished.getOutcome()).isEqualTo(RunFinished.Outcome.FAILED);
        assertThat(finished.getReason()).isEqualTo("assignment expired before it reached the agent");
        assertThat(finished.hasExitCode()).isFalse();
        assertThat(ran).doesNotExist();
        assertThat(journal().resolve("run-late.assignment")).exists();
    }

    @Test
    void anAssignmentWithoutAJobTheAgentKnowsIsReportedFailed() throws Exception {
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);

        runtime.onAssignment(RunAssignment.newBuilder().setRunId("run-new-kind").setTimeoutSeconds(60).build());
        runtime.onAssignment(RunAssignment.newBuilder().setRunId("run-zsh").setTimeoutSeconds(60)
                .setShell(ShellJob.newBuilder().setScript("true").setShell("zsh")).build());

        assertThat(sink.awaitFinished("run-new-kind").getFinished().getReason())
                .isEqualTo("the assignment carries no job this agent knows how to run (a newer job kind?)");
        assertThat(sink.awaitFinished("run-zsh").getFinished().getReason())
                .isEqualTo("unknown shell 'zsh' (sh, bash or powershell)");
        assertThat(sink.seqs("run-new-kind")).containsExactly(1L);
    }

    @Test
    void aProjectArchiveThatClimbsOutIsRefusedBeforeAnythingRuns() throws Exception {
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);
        byte[] archive = new TarGz().file("site.yml", "- hosts: all\n").file("../../escaped.yml", "x").build();

        runtime.onAssignment(RunAssignment.newBuilder().setRunId("run-evil").setTimeoutSeconds(60)
                .setAnsible(AnsibleJob.newBuilder().setProjectArchive(ByteString.copyFrom(archive))
                        .setPlaybookPath("site.yml")).build());
        RunFinished finished = sink.awaitFinished("run-evil").getFinished();

        assertThat(finished.getOutcome()).isEqualTo(RunFinished.Outcome.FAILED);
        assertThat(finished.getReason())
                .isEqualTo("project archive entry ../../escaped.yml leaves the project directory");
        assertThat(temp.resolve("work/escaped.yml")).doesNotExist();
        assertThat(temp.resolve("work/projects/run-evil")).doesNotExist();
    }

    @Test
    void runsAnAnsibleProjectArchiveWithExtraVars() throws Exception {
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);
        byte[] archive = new TarGz()
                .file("playbooks/site.yml", """
                        - hosts: all
                          gather_facts: false
                          roles: [greet]
                        """)
                .file("playbooks/roles/greet/tasks/main.yml", """
                        - debug:
                            msg: "{{ greeting }} {{ count + 1 }}"
                        """)
                .build();

        runtime.onAssignment(RunAssignment.newBuilder().setRunId("run-ansible").setTimeoutSeconds(120)
                .setAnsible(AnsibleJob.newBuilder().setProjectArchive(ByteString.copyFrom(archive))
                        .setPlaybookPath("playbooks/site.yml")
                        .setExtraVarsJson("{\"greeting\": \"hello\", \"count\": 41}")).build());
        RunFinished finished = sink.awaitFinished("run-ansible").getFinished();

        assertThat(finished.getOutcome()).as(finished.getReason()).isEqualTo(RunFinished.Outcome.SUCCEEDED);
        assertThat(finished.getRecap().getOk()).isEqualTo(1);
        assertThat(sink.output("run-ansible", RunOutput.Stream.STDOUT)).contains("hello 42");
        assertThat(sink.of("run-ansible")).anyMatch(u -> u.hasTaskEvent()
                && u.getTaskEvent().getKind() == io.octofleet.proto.agent.v1.RunTaskEvent.Kind.OK);
        assertThat(sink.seqs("run-ansible")).isEqualTo(oneTo(sink.of("run-ansible").size()));
        assertThat(temp.resolve("work/projects/run-ansible")).doesNotExist();
    }

    @Test
    void cancelKillsTheRunsProcessesAndItEndsCancelled() throws Exception {
        String marker = "600." + Processes.marker();
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);

        runtime.onAssignment(shell("run-cancel", "sleep " + marker + " & (setsid sleep " + marker
                + " &); echo started; sleep " + marker));
        sink.await("run-cancel", u -> u.hasOutput() && u.getOutput().getData().toStringUtf8().contains("started"));
        List<ProcessHandle> running = Processes.awaitWithMarker(marker, 3);
        runtime.onCancel(CancelRun.newBuilder().setRunId("run-cancel").build());
        RunFinished finished = sink.awaitFinished("run-cancel").getFinished();

        assertThat(finished.getOutcome()).isEqualTo(RunFinished.Outcome.CANCELLED);
        assertThat(running).allMatch(Processes::gone);
        assertThat(sink.seqs("run-cancel")).isEqualTo(oneTo(sink.of("run-cancel").size()));
    }

    @Test
    void timeoutEndsTheRunTimedOut() throws Exception {
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);

        runtime.onAssignment(shell("run-slow", "sleep 30").toBuilder().setTimeoutSeconds(1).build());

        assertThat(sink.awaitFinished("run-slow").getFinished().getOutcome())
                .isEqualTo(RunFinished.Outcome.TIMED_OUT);
    }

    @Test
    void acknowledgingTheEndRemovesTheSpoolAndLeavesATombstone() throws Exception {
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);
        runtime.onAssignment(shell("run-acked", "echo hi"));
        RunUpdate finished = sink.awaitFinished("run-acked");
        assertThat(runtime.spooledBytes()).isPositive();

        runtime.onAck(RunAck.newBuilder().setRunId("run-acked").setThroughSeq(finished.getRunSeq()).build());
        awaitGone(journal().resolve("run-acked.spool"));

        assertThat(journal().resolve("run-acked.assignment")).doesNotExist();
        assertThat(journal().resolve("run-acked.done")).exists();
        assertThat(runtime.spooledBytes()).isZero();
    }

    @Test
    void everyNewSessionGetsWhatIsNotAcknowledgedInOrder() throws Exception {
        JobRuntime runtime = runtime();
        RecordingSink first = new RecordingSink();
        runtime.connected(first);
        runtime.onAssignment(shell("run-resend", "echo a; sleep 0.3; echo b; sleep 0.3; echo c"));
        RunUpdate finished = first.awaitFinished("run-resend");
        runtime.onAck(RunAck.newBuilder().setRunId("run-resend").setThroughSeq(2).build());
        Thread.sleep(200);
        runtime.disconnected(first);

        RecordingSink second = new RecordingSink();
        runtime.connected(second);
        second.awaitFinished("run-resend");

        assertThat(second.seqs("run-resend"))
                .isEqualTo(LongStream.rangeClosed(3, finished.getRunSeq()).boxed().toList());
        assertThat(second.of("run-resend")).isEqualTo(first.of("run-resend").subList(2, (int) finished.getRunSeq()));
    }

    @Test
    void aRestartedAgentSendsWhatWasNotAcknowledgedAndKnowsItsRuns() throws Exception {
        JobRuntime before = runtime();
        before.onAssignment(shell("run-offline", "echo done while nobody listened"));
        awaitSpooled("run-offline", RunUpdate.KindCase.FINISHED);
        before.close();

        JobRuntime after = runtime();
        RecordingSink sink = new RecordingSink();
        after.connected(sink);
        RunFinished finished = sink.awaitFinished("run-offline").getFinished();

        assertThat(finished.getOutcome()).isEqualTo(RunFinished.Outcome.SUCCEEDED);
        assertThat(sink.seqs("run-offline")).isEqualTo(oneTo(sink.of("run-offline").size()));
        assertThat(sink.output("run-offline", RunOutput.Stream.STDOUT)).isEqualTo("done while nobody listened\n");
    }

    @Test
    void compactionKeepsTheNumberingAcrossARestart() throws Exception {
        JobRuntime before = runtime();
        RecordingSink sink = new RecordingSink();
        before.connected(sink);
        // About 3 MiB of output: enough acknowledged bytes to make compaction worth it.
        before.onAssignment(shell("run-compact", "head -c 3000000 /dev/zero | tr '\\0' y; echo; echo end"));
        long last = sink.awaitFinished("run-compact").getRunSeq();
        long sizeBefore = Files.size(journal().resolve("run-compact.spool"));
        before.onAck(RunAck.newBuilder().setRunId("run-compact").setThroughSeq(last - 2).build());
        awaitSmaller(journal().resolve("run-compact.spool"), sizeBefore);
        before.close();

        JobRuntime after = runtime();
        RecordingSink again = new RecordingSink();
        after.connected(again);
        again.awaitFinished("run-compact");

        // The last acknowledged update is kept as the anchor of the numbering, and may come again.
        assertThat(again.seqs("run-compact")).isEqualTo(LongStream.rangeClosed(last - 2, last).boxed().toList());
        assertThat(Files.size(journal().resolve("run-compact.spool"))).isLessThan(200_000);
    }

    @Test
    void aRunCutOffByTheAgentsEndIsReportedFailedAndItsLeftoversKilled() throws Exception {
        String marker = "600." + Processes.marker();
        // What an agent that died mid-run leaves: the journaled assignment, the start and some output spooled, and
        // the run's processes still going.
        RunJournal journal = new RunJournal(journal());
        RunAssignment assignment = shell("run-cut", "sleep " + marker);
        journal.record(assignment);
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
        JournaledRun run = JournaledRun.open(new RunId("run-cut"), journal, new SpoolBudget(1 << 20),
                Clock.systemUTC(), timers, () -> { });
        run.started();
        run.output(new OutputChunk(1, OutputChunk.Source.STDOUT, "working\n".getBytes()));
        run.close();
        timers.shutdownNow();
        ProcessBuilder leftover = new ProcessBuilder("setsid", "sleep", marker);
        leftover.environment().put(ProcessRun.MARKER_VARIABLE, "run-cut");
        Process process = leftover.start();

        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);
        RunFinished finished = sink.awaitFinished("run-cut").getFinished();

        assertThat(finished.getOutcome()).isEqualTo(RunFinished.Outcome.FAILED);
        assertThat(finished.getReason()).isEqualTo("the agent restarted while the run was in progress");
        assertThat(sink.seqs("run-cut")).containsExactly(1L, 2L, 3L);
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        runtime.onAssignment(assignment);
        Thread.sleep(300);
        assertThat(Processes.withMarker(marker)).isEmpty();
    }

    @Test
    void aFullSpoolDropsOutputButCountsItAndKeepsTheEnd() throws Exception {
        JobRuntime runtime = runtime(150 * 1024, Clock.systemUTC());
        int total = 1024 * 1024;
        // Nobody connected, so nothing is acknowledged and the spool fills.
        runtime.onAssignment(shell("run-flood", "head -c " + total + " /dev/zero | tr '\\0' z; echo oops >&2"));
        awaitSpooled("run-flood", RunUpdate.KindCase.FINISHED);
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);
        RunFinished finished = sink.awaitFinished("run-flood").getFinished();

        List<RunUpdate> outputs = sink.of("run-flood").stream().filter(RunUpdate::hasOutput).toList();
        long delivered = outputs.stream().mapToLong(u -> u.getOutput().getData().size()).sum();
        long dropped = outputs.stream().mapToLong(u -> u.getOutput().getDroppedBytesBefore()).sum();
        assertThat(finished.getOutcome()).isEqualTo(RunFinished.Outcome.SUCCEEDED);
        assertThat(delivered).isLessThan(total);
        assertThat(dropped).isPositive();
        assertThat(delivered + dropped).isEqualTo(total + "oops\n".length());
        assertThat(sink.of("run-flood").get(0).hasStarted()).isTrue();
        assertThat(sink.seqs("run-flood")).isEqualTo(oneTo(sink.of("run-flood").size()));
    }

    @Test
    void aSinkWithoutRoomIsNotFedUntilItHasRoom() throws Exception {
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        sink.room = false;
        runtime.connected(sink);
        runtime.onAssignment(shell("run-wait", "echo hi"));
        awaitSpooled("run-wait", RunUpdate.KindCase.FINISHED);
        Thread.sleep(200);
        assertThat(sink.updates).isEmpty();

        sink.room = true;

        assertThat(sink.awaitFinished("run-wait").getFinished().getOutcome())
                .isEqualTo(RunFinished.Outcome.SUCCEEDED);
    }

    @Test
    void tombstonesArePrunedAfterAWeek() throws Exception {
        JobRuntime runtime = runtime();
        RecordingSink sink = new RecordingSink();
        runtime.connected(sink);
        runtime.onAssignment(shell("run-old", "true"));
        RunUpdate finished = sink.awaitFinished("run-old");
        runtime.onAck(RunAck.newBuilder().setRunId("run-old").setThroughSeq(finished.getRunSeq()).build());
        awaitGone(journal().resolve("run-old.spool"));
        runtime.close();

        runtime(JobRuntime.DEFAULT_SPOOL_LIMIT, Clock.offset(Clock.systemUTC(), Duration.ofDays(6)));
        assertThat(journal().resolve("run-old.done")).exists();
        runtime(JobRuntime.DEFAULT_SPOOL_LIMIT, Clock.offset(Clock.systemUTC(), Duration.ofDays(8)));
        assertThat(journal().resolve("run-old.done")).doesNotExist();
    }

    private void awaitSpooled(String runId, RunUpdate.KindCase kind) throws Exception {
        Path spool = journal().resolve(runId + ".spool");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(spool)) {
                // Read a copy: opening the live spool would cut off a record the run is half-way through writing
                // (RunSpool.open repairs torn tails), and the run would then find zeros where its record was.
                Path copy = Files.createTempFile(temp, "spool-copy-", ".spool");
                Files.copy(spool, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                RunSpool read = RunSpool.open(copy);
                boolean found = read.entries().stream().anyMatch(e -> e.kind() == kind);
                read.close();
                Files.delete(copy);
                if (found) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError(runId + " spooled no " + kind + " within 30 s");
    }

    private static void awaitGone(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(file).doesNotExist();
    }

    private static void awaitSmaller(Path file, long than) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.size(file) >= than && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Files.size(file)).isLessThan(than);
    }

}
