package io.octofleet.agent.jobs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Runs {@link ShellSpec} jobs: a script body run by {@code /bin/sh}, {@code bash} or PowerShell ({@code pwsh}). */
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
                new ProcessRun(programs, killGrace, Duration.ofSeconds(2)));
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
        String fileName = "script.sh";
        switch (spec.shell()) {
            case BASH -> {
                var bash = programs.find("bash");
                if (bash.isEmpty()) {
                    return RunResult.notStarted("bash not found on this host");
                }
                shell = bash.get();
            }
            case POWERSHELL -> {
                var pwsh = programs.find("pwsh");
                if (pwsh.isEmpty()) {
                    return RunResult.notStarted("PowerShell (pwsh) not found on this host");
                }
                shell = pwsh.get();
                // pwsh runs a script file only when its name ends in .ps1.
                fileName = "script.ps1";
            }
            default -> shell = SH;
        }
        return launcher.run(request, shell, fileName, spec.script(), List.of(), listener, cancel);
    }
}
