package io.octofleet.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@EnabledOnOs(OS.LINUX)
class ScriptJobExecutorTest {

    @TempDir
    Path temp;

    private ScriptJobExecutor executor() {
        return new ScriptJobExecutor(temp.resolve("runs"), ProgramLocator.agentPath(),
                RunAs.forThisProcess(ProgramLocator.agentPath()), Duration.ofSeconds(1));
    }

    private static void assumePython() {
        assumeTrue(ProgramLocator.agentPath().find("python3").isPresent(), "python3 is not on the PATH");
    }

    @Test
    void runsPython3WithArgumentsAndReportsItsExitCode() throws Exception {
        assumePython();
        RecordingListener listener = new RecordingListener();
        ScriptSpec spec = new ScriptSpec("import sys\nprint(sys.argv[1:])\nsys.stderr.write('bye\\n')\nsys.exit(4)\n",
                "python3", List.of("a", "b c"));

        RunResult result = executor().execute(RunRequest.of(new RunId("py-1"), spec, Duration.ofSeconds(30)),
                listener, new CancellationToken());

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(result.exitCode()).hasValue(4);
        assertThat(listener.stdout()).isEqualTo("['a', 'b c']\n");
        assertThat(listener.stderr()).isEqualTo("bye\n");
    }

    @Test
    void timeoutKillsTheInterpreterAndTheProcessesItStarted() throws Exception {
        assumePython();
        String marker = "600." + Processes.marker();
        ScriptSpec spec = new ScriptSpec("""
                import subprocess, sys, time
                subprocess.Popen(["sleep", sys.argv[1]])
                time.sleep(600)
                """, "python3", List.of(marker));

        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> {
            try {
                return executor().execute(RunRequest.of(new RunId("py-2"), spec, Duration.ofSeconds(3)),
                        new RecordingListener(), new CancellationToken());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Processes.awaitWithMarker("sleep " + marker, 1);
        // The interpreter (the marker is its argument; with pyenv also its shims) and the sleep it started.
        List<ProcessHandle> running = Processes.withMarker(marker);
        assertThat(running).hasSizeGreaterThanOrEqualTo(2);
        RunResult result = run.get(15, TimeUnit.SECONDS);

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.TIMED_OUT);
        assertThat(running).allMatch(Processes::gone);
        assertThat(Processes.withMarker(marker)).isEmpty();
    }

    @Test
    void reportsAMissingInterpreterClearly() throws Exception {
        ScriptSpec spec = new ScriptSpec("print(1)", "octofleet-no-such-python", List.of());

        RunResult result = executor().execute(RunRequest.of(new RunId("py-3"), spec, Duration.ofSeconds(30)),
                new RecordingListener(), new CancellationToken());

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(result.exitCode()).isEmpty();
        assertThat(result.reason()).isEqualTo("interpreter octofleet-no-such-python not found on this host");
    }

    @Test
    void refusesASpecOfAnotherKind() {
        RunRequest shell = RunRequest.of(new RunId("py-4"), ShellSpec.sh("true"), Duration.ofSeconds(30));

        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> executor().execute(shell, new RecordingListener(), new CancellationToken()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a script job: shell");
    }
}
