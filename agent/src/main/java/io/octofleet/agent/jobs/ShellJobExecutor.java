package io.octofleet.agent.jobs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Runs {@link ShellSpec} jobs: a script body run by {@code /bin/sh} or {@code bash}. */
public final class ShellJobExecutor implements JobExecutor {
    static final String KIND = "shell";
    private static final Path SH = Path.of("/bin/sh");

    private final ProgramLocator programs;
    private final ScriptLauncher launcher;

    /** @param runsRoot where runs get their private directories; created 0711 if missing */
    public ShellJobExecutor(Path runsRoot) {
        this(runsRoot, ProgramLocator.agentPath(), RunAs.forThisProcess(ProgramLocator.agentPath()),
                Duration.ofSeconds(5));
    }

    ShellJobExecutor(Path runsRoot, ProgramLocator programs, RunAs runAs, Duration killGrace) {
        this.programs = programs;
        this.launcher = new ScriptLauncher(runsRoot, runAs,
                new ProcessRun(killGrace, Duration.ofSeconds(2)));
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public RunResult execute(RunRequest request, RunListener listener, CancellationToken cancel)
            throws InterruptedException {
        if (!(request.spec() instanceof ShellSpec spec)) {
            throw new IllegalArgumentException("not a shell job: " + request.spec().kind());
        }
        Path shell;
        if (spec.shell() == ShellSpec.Shell.BASH) {
            var bash = programs.find("bash");
            if (bash.isEmpty()) {
                return RunResult.notStarted("bash not found on this host");
            }
            shell = bash.get();
        } else {
            shell = SH;
        }
        return launcher.run(request, shell, "script.sh", spec.script(), List.of(), listener, cancel);
    }
}
