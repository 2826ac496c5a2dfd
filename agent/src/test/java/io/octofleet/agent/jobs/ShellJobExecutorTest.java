package io.octofleet.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@EnabledOnOs(OS.LINUX)
class ShellJobExecutorTest {
    private static final Duration KILL_GRACE = Duration.ofSeconds(1);

    @TempDir
    Path temp;

    private final ExecutorService background = Executors.newCachedThreadPool();

    @AfterEach
    void stopBackground() {
        background.shutdownNow();
    }

    private Path runsRoot() {
        return temp.resolve("runs");
    }

    private ShellJobExecutor executor() {
        return executor(RunAs.forThisProcess(ProgramLocator.agentPath()));
    }

    private ShellJobExecutor executor(RunAs runAs) {
        return new ShellJobExecutor(runsRoot(), ProgramLocator.agentPath(), runAs, KILL_GRACE);
    }

    private static RunRequest request(String script, Duration timeout) {
        return RunRequest.of(new RunId("run-1"), ShellSpec.sh(script), timeout);
    }

    @Test
    void reportsExitCodeAndBothStreamsInOrder() throws Exception {
        RecordingListener listener = new RecordingListener();

        RunResult result = executor().execute(
                request("echo one; echo oops >&2; echo two; exit 3", Duration.ofSeconds(30)),
                listener, new CancellationToken());

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(result.exitCode()).hasValue(3);
        assertThat(result.reason()).isEqualTo("exited with 3");
        assertThat(listener.stdout()).isEqualTo("one\ntwo\n");
        assertThat(listener.stderr()).isEqualTo("oops\n");
        List<Long> sequences = listener.sequences();
        assertThat(sequences).first().isEqualTo(1L);
        assertThat(sequences).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void succeedsWithExitCodeZeroAndRemovesItsRunDirectory() throws Exception {
        RunResult result = executor().execute(request("true", Duration.ofSeconds(30)),
                new RecordingListener(), new CancellationToken());

        assertThat(result).isEqualTo(new RunResult(RunResult.Outcome.SUCCEEDED, java.util.OptionalInt.of(0), "",
                Optional.empty()));
        try (var left = Files.list(runsRoot())) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void passesEnvironmentAndWorkingDirectory() throws Exception {
        Path workdir = Files.createDirectory(temp.resolve("work"));
        RecordingListener listener = new RecordingListener();
        RunRequest request = new RunRequest(new RunId("run-env"), ShellSpec.sh("echo \"$GREETING\"; pwd"),
                Map.of("GREETING", "hello fleet"), Optional.of(workdir), Optional.empty(), Duration.ofSeconds(30));

        RunResult result = executor().execute(request, listener, new CancellationToken());

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.SUCCEEDED);
        assertThat(listener.stdout()).isEqualTo("hello fleet\n" + workdir.toRealPath() + "\n");
    }

    @Test
    void runsBashWhenAsked() throws Exception {
        RecordingListener listener = new RecordingListener();
        RunRequest request = RunRequest.of(new RunId("run-bash"),
                new ShellSpec("a=(x y z); echo \"${#a[@]} $BASH_VERSION\"", ShellSpec.Shell.BASH),
                Duration.ofSeconds(30));

        RunResult result = executor().execute(request, listener, new CancellationToken());

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.SUCCEEDED);
        assertThat(listener.stdout()).startsWith("3 ");
    }

    @Test
    void streamsOutputBeforeTheProcessEnds() throws Exception {
        RecordingListener listener = new RecordingListener();

        executor().execute(request("echo first; sleep 2; echo second", Duration.ofSeconds(30)),
                listener, new CancellationToken());
        long ended = System.nanoTime();

        OutputChunk first = listener.chunks.get(0);
        assertThat(first.text()).isEqualTo("first\n");
        long firstArrived = listener.arrivals.get(0).nanos();
        assertThat(Duration.ofNanos(ended - firstArrived)).isGreaterThan(Duration.ofMillis(1500));
        assertThat(listener.stdout()).isEqualTo("first\nsecond\n");
    }

    @Test
    void runsScriptsLargerThanAnArgumentListAndOutputLargerThanThePipeBuffer() throws Exception {
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < 40_000; i++) {
            script.append("echo line ").append(i).append('\n');
        }
        RecordingListener listener = new RecordingListener();

        RunResult result = executor().execute(request(script.toString(), Duration.ofSeconds(60)),
                listener, new CancellationToken());

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.SUCCEEDED);
        assertThat(listener.stdout().lines()).hasSize(40_000).endsWith("line 39999");
    }

    @Test
    void timeoutKillsTheWholeProcessTree() throws Exception {
        String marker = "600." + Processes.marker();
        long start = System.nanoTime();

        Future<RunResult> run = background.submit(() -> executor().execute(
                request("sleep " + marker + " & sleep " + marker, Duration.ofSeconds(2)),
                new RecordingListener(), new CancellationToken()));
        List<ProcessHandle> running = Processes.awaitWithMarker(marker, 2);
        RunResult result = run.get(15, TimeUnit.SECONDS);

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.TIMED_OUT);
        assertThat(result.reason()).isEqualTo("still running after the timeout of 2 s; killed");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(running).as("the foreground and the background sleep").allMatch(Processes::gone);
        assertThat(Processes.withMarker(marker)).isEmpty();
    }

    @Test
    void cancelKillsTheWholeProcessTreeIncludingChildrenThatIgnoreTerm() throws Exception {
        String marker = "600." + Processes.marker();
        RecordingListener listener = new RecordingListener("started", chunk -> { });
        CancellationToken cancel = new CancellationToken();
        String script = "sh -c 'trap \"\" TERM; sleep " + marker + "' & echo started; sleep " + marker;

        Future<RunResult> run = background.submit(
                () -> executor().execute(request(script, Duration.ofSeconds(600)), listener, cancel));
        assertThat(listener.awaitOutput(10)).isTrue();
        // Both sleeps, and the sh -c around the one that ignores TERM.
        List<ProcessHandle> running = Processes.awaitWithMarker(marker, 3);
        cancel.cancel();
        RunResult result = run.get(15, TimeUnit.SECONDS);

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.CANCELLED);
        assertThat(running).allMatch(Processes::gone);
        assertThat(Processes.withMarker(marker)).isEmpty();
    }

    @Test
    void cancelKillsBackgroundChildrenOrphansAndDaemonsThatLeftTheSession() throws Exception {
        assertThat(cancelEscapees(executor())).isEqualTo(RunResult.Outcome.CANCELLED);
    }

    @Test
    void cancelFindsEscapedDaemonsByTheirEnvironmentWhenTheHostHasNoSetsid() throws Exception {
        // No setsid to find: the run shares the JVM's process group, and only the walk and the marker remain.
        ShellJobExecutor withoutSetsid = new ShellJobExecutor(runsRoot(), new ProgramLocator(""),
                RunAs.forThisProcess(ProgramLocator.agentPath()), KILL_GRACE);

        assertThat(cancelEscapees(withoutSetsid)).isEqualTo(RunResult.Outcome.CANCELLED);
    }

    /**
     * Starts a background child, a child in a session of its own, a double-forked daemon in a session of its own
     * (re-parented to init, so no walk finds it), an orphan left in the group, and a foreground sleep; cancels; and
     * checks all five are gone.
     */
    private RunResult.Outcome cancelEscapees(ShellJobExecutor executor) throws Exception {
        String marker = "600." + Processes.marker();
        String sleep = "sleep " + marker;
        String script = sleep + " &\n"
                + "setsid " + sleep + " &\n"
                + "(setsid " + sleep + " &)\n"
                + "sh -c '" + sleep + " &'\n"
                + "echo started\n"
                + sleep + "\n";
        RecordingListener listener = new RecordingListener("started", chunk -> { });
        CancellationToken cancel = new CancellationToken();

        Future<RunResult> run = background.submit(
                () -> executor.execute(request(script, Duration.ofSeconds(600)), listener, cancel));
        assertThat(listener.awaitOutput(10)).isTrue();
        List<ProcessHandle> running = Processes.awaitWithMarker(marker, 5);
        List<ProcessHandle> ours = ProcessHandle.current().descendants().toList();
        assertThat(running).as("the double-forked daemon is no descendant of the agent").anyMatch(p -> !ours.contains(p));
        cancel.cancel();
        RunResult result = run.get(15, TimeUnit.SECONDS);

        assertThat(running).allMatch(Processes::gone);
        assertThat(Processes.withMarker(marker)).isEmpty();
        return result.outcome();
    }

    @Test
    void reportsAMissingPowerShellClearly() throws Exception {
        ShellJobExecutor executor = new ShellJobExecutor(runsRoot(), new ProgramLocator(""),
                RunAs.forThisProcess(ProgramLocator.agentPath()), KILL_GRACE);
        RunRequest request = RunRequest.of(new RunId("run-pwsh"),
                new ShellSpec("Write-Output hi", ShellSpec.Shell.POWERSHELL), Duration.ofSeconds(30));

        RunResult result = executor.execute(request, new RecordingListener(), new CancellationToken());

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(result.exitCode()).isEmpty();
        assertThat(result.reason()).isEqualTo("PowerShell (pwsh) not found on this host");
    }

    @Test
    void cancelledBeforeStartingRunsNothing() throws Exception {
        CancellationToken cancel = new CancellationToken();
        cancel.cancel();
        Path flag = temp.resolve("ran");

        RunResult result = executor().execute(request("touch " + flag, Duration.ofSeconds(30)),
                new RecordingListener(), cancel);

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.CANCELLED);
        assertThat(flag).doesNotExist();
    }

    @Test
    void interruptingTheCallerKillsTheProcessTree() throws Exception {
        String marker = "600." + Processes.marker();
        RecordingListener listener = new RecordingListener("started", chunk -> { });
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                executor().execute(request("echo started; sleep " + marker, Duration.ofSeconds(600)), listener,
                        new CancellationToken());
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(e);
            }
        });
        caller.start();
        assertThat(listener.awaitOutput(10)).isTrue();
        List<ProcessHandle> running = Processes.awaitWithMarker(marker, 1);

        caller.interrupt();

        assertThat(thrown.get(15, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(running).allMatch(Processes::gone);
    }

    @Test
    void listenerFailureKillsTheRunAndIsRethrown() throws Exception {
        String marker = "600." + Processes.marker();
        RunListener failing = new RunListener() {
            @Override
            public void output(OutputChunk chunk) {
                throw new IllegalStateException("spool full");
            }

            @Override
            public void event(RunEvent event) {
            }
        };

        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> {
            try {
                return executor().execute(request("echo started; sleep " + marker, Duration.ofSeconds(600)),
                        failing, new CancellationToken());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, background);

        assertThat(run).failsWithin(Duration.ofSeconds(15)).withThrowableThat().havingRootCause()
                .withMessage("spool full");
        assertThat(Processes.withMarker(marker)).isEmpty();
    }

    @Test
    void refusesToRunAsAnotherUserWhenNotRoot() throws Exception {
        RunRequest request = new RunRequest(new RunId("run-as"), ShellSpec.sh("id"), Map.of(), Optional.empty(),
                Optional.of("nobody"), Duration.ofSeconds(30));

        RunResult result = executor(new RunAs(false, ProgramLocator.agentPath()))
                .execute(request, new RecordingListener(), new CancellationToken());

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(result.exitCode()).isEmpty();
        assertThat(result.reason()).isEqualTo("cannot run as user nobody: the agent is not running as root");
    }

    @Test
    void runsAsAnotherUserWhenRoot() throws Exception {
        assumeTrue(isRoot(), "only root can switch users");
        // The run's directory belongs to the user, but it must also be able to pass through its parents.
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
        RecordingListener listener = new RecordingListener();
        RunRequest request = new RunRequest(new RunId("run-as"), ShellSpec.sh("id -un; echo $MARK"),
                Map.of("MARK", "kept"), Optional.empty(), Optional.of("nobody"), Duration.ofSeconds(30));

        RunResult result = executor().execute(request, listener, new CancellationToken());

        assertThat(result.outcome()).as(listener.stderr()).isEqualTo(RunResult.Outcome.SUCCEEDED);
        assertThat(listener.stdout()).isEqualTo("nobody\nkept\n");
    }

    @Test
    void reportsAnUnknownUserClearly() throws Exception {
        assumeTrue(isRoot(), "a non-root agent refuses before looking the user up");
        RunRequest request = new RunRequest(new RunId("run-as"), ShellSpec.sh("id"), Map.of(), Optional.empty(),
                Optional.of("octofleet-no-such-user"), Duration.ofSeconds(30));

        RunResult result = executor().execute(request, new RecordingListener(), new CancellationToken());

        assertThat(result.reason()).isEqualTo("cannot run as user octofleet-no-such-user: no such user on this host");
    }

    @Test
    void reportsAMissingWorkingDirectory() throws Exception {
        Path missing = temp.resolve("missing");
        RunRequest request = new RunRequest(new RunId("run-wd"), ShellSpec.sh("true"), Map.of(),
                Optional.of(missing), Optional.empty(), Duration.ofSeconds(30));

        RunResult result = executor().execute(request, new RecordingListener(), new CancellationToken());

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(result.reason()).isEqualTo("working directory " + missing + " does not exist");
    }

    private static boolean isRoot() throws IOException {
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }
}
