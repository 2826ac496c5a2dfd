package io.octofleet.agent.jobs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Runs {@link ScriptSpec} jobs: a script body run by an interpreter such as {@code python3}, with arguments. */
public final class ScriptJobExecutor implements JobExecutor {
    static final String KIND = "script";

    private final ProgramLocator programs;
    private final ScriptLauncher launcher;

    /** @param runsRoot where runs get their private directories; created 0711 if missing */
    public ScriptJobExecutor(Path runsRoot) {
        this(runsRoot, ProgramLocator.agentPath(), RunAs.forThisProcess(ProgramLocator.agentPath()),
                Duration.ofSeconds(5));
    }

    ScriptJobExecutor(Path runsRoot, ProgramLocator programs, RunAs runAs, Duration killGrace) {
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
        if (!(request.spec() instanceof ScriptSpec spec)) {
            throw new IllegalArgumentException("not a script job: " + request.spec().kind());
        }
        Optional<Path> interpreter = programs.find(spec.interpreter());
        if (interpreter.isEmpty()) {
            return RunResult.notStarted("interpreter " + spec.interpreter() + " not found on this host");
        }
        return launcher.run(request, interpreter.get(), "script", spec.body(), spec.arguments(), listener, cancel);
    }
}
