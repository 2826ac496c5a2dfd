package io.octofleet.agent.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the shell and script executors share: the body is written to a 0700 file in the run directory (a file, not
 * {@code sh -c}, so a script of any size works and shows up in {@code ps} by name), then run as
 * {@code <interpreter> <file> <arguments...>}, as the requested user.
 */
final class ScriptLauncher {
    private final Path runsRoot;
    private final RunAs runAs;
    private final ProcessRun processRun;

    ScriptLauncher(Path runsRoot, RunAs runAs, ProcessRun processRun) {
        this.runsRoot = runsRoot;
        this.runAs = runAs;
        this.processRun = processRun;
    }

    RunResult run(RunRequest request, Path interpreter, String fileName, String body, List<String> arguments,
            RunListener listener, CancellationToken cancel) throws InterruptedException {
        RunStream out = new RunStream(listener);
        try (RunDirectory dir = RunDirectory.create(runsRoot, request.runId())) {
            Path workingDirectory = request.workingDirectory().orElse(dir.path());
            if (!Files.isDirectory(workingDirectory)) {
                return RunResult.notStarted("working directory " + workingDirectory + " does not exist");
            }
            Path script = dir.writeExecutable(fileName, body);
            dir.handTo(runAs.owner(request.runAs()));
            List<String> command = new ArrayList<>(runAs.prefix(request.runAs()));
            command.add(interpreter.toString());
            command.add(script.toString());
            command.addAll(arguments);
            ProcessRun.Ended ended = processRun.run(request.runId(), command, request.environment(), workingDirectory,
                    request.timeout(), cancel, out);
            return result(ended, request.timeout());
        } catch (RunRefusedException e) {
            return RunResult.notStarted(e.getMessage());
        } catch (IOException e) {
            return RunResult.notStarted("could not start " + interpreter.getFileName() + ": " + e.getMessage());
        } finally {
            out.close();
        }
    }

    static RunResult result(ProcessRun.Ended ended, Duration timeout) {
        OptionalInt exitCode = ended.exitCode() < 0 ? OptionalInt.empty() : OptionalInt.of(ended.exitCode());
        return switch (ended.end()) {
            case EXITED -> ended.exitCode() == 0
                    ? new RunResult(RunResult.Outcome.SUCCEEDED, exitCode, "", Optional.empty())
                    : new RunResult(RunResult.Outcome.FAILED, exitCode, "exited with " + ended.exitCode(),
                            Optional.empty());
            case TIMED_OUT -> new RunResult(RunResult.Outcome.TIMED_OUT, exitCode,
                    "still running after the timeout of " + timeout.toSeconds() + " s; killed", Optional.empty());
            case CANCELLED -> new RunResult(RunResult.Outcome.CANCELLED, exitCode, "cancelled; killed",
                    Optional.empty());
        };
    }
}
