package io.octofleet.agent.jobs;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Runs {@link AnsibleSpec} jobs with ansible-runner against this host ({@code ansible_connection=local}).
 *
 * <p>The run directory is ansible-runner's private data dir: {@code project/} (the inline playbook) or
 * {@code --project-dir} (a project on this host), {@code inventory/hosts}, {@code env/extravars} (JSON),
 * {@code env/envvars}, and Ansible's own home and temp directories, so nothing is written to {@code ~/.ansible}.
 * The vault password goes to a 0600 file there, named by {@code ANSIBLE_VAULT_PASSWORD_FILE}; it goes away with the
 * run directory. ansible-runner's stdout is the run's output; its job event files become {@link RunEvent}s while it
 * runs, and {@code playbook_on_stats} the {@link PlayRecap}.
 */
public final class AnsibleRunnerJobExecutor implements JobExecutor {
    static final String KIND = "ansible";
    static final String NOT_INSTALLED = "ansible-runner not found on this host (install python3-ansible-runner)";
    private static final Duration EVENT_POLL = Duration.ofMillis(200);
    private static final String INLINE_PLAYBOOK = "playbook.yml";

    private final Path runsRoot;
    private final String executable;
    private final ProgramLocator programs;
    private final RunAs runAs;
    private final ProcessRun processRun;

    /** @param runsRoot where runs get their private directories; created 0711 if missing */
    public AnsibleRunnerJobExecutor(Path runsRoot) {
        this(runsRoot, "ansible-runner");
    }

    /** @param executable {@code ansible-runner}'s name on the agent's PATH, or its absolute path (in a venv, say) */
    public AnsibleRunnerJobExecutor(Path runsRoot, String executable) {
        this(runsRoot, executable, ProgramLocator.agentPath(), Duration.ofSeconds(5));
    }

    AnsibleRunnerJobExecutor(Path runsRoot, String executable, ProgramLocator programs, Duration killGrace) {
        this.runsRoot = runsRoot;
        this.executable = executable;
        this.programs = programs;
        this.runAs = RunAs.forThisProcess(programs);
        this.processRun = new ProcessRun(programs, killGrace, Duration.ofSeconds(2));
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public RunResult execute(RunRequest request, RunListener listener, CancellationToken cancel)
            throws InterruptedException {
        if (!(request.spec() instanceof AnsibleSpec spec)) {
            throw new IllegalArgumentException("not an ansible job: " + request.spec().kind());
        }
        Optional<Path> runner = programs.find(executable);
        if (runner.isEmpty()) {
            return RunResult.notStarted(NOT_INSTALLED);
        }
        RunStream out = new RunStream(listener);
        try (RunDirectory dir = RunDirectory.create(runsRoot, request.runId())) {
            List<String> command = new ArrayList<>(runAs.prefix(request.runAs()));
            command.addAll(List.of(runner.get().toString(), "run", dir.path().toString(),
                    "--ident", request.runId().value()));
            command.addAll(playbookArguments(spec.playbook(), dir));
            dir.createDirectory("inventory");
            dir.writePrivate("inventory/hosts", "localhost ansible_connection=local\n");
            dir.writePrivate("env/extravars", new GsonBuilder().serializeNulls().create().toJson(spec.extraVars()));
            dir.writePrivate("env/envvars", new GsonBuilder().create().toJson(request.environment()));
            Map<String, String> environment = ansibleEnvironment(request, spec, dir);
            dir.handTo(runAs.owner(request.runAs()));

            JobEventReader events = new JobEventReader(
                    dir.path().resolve("artifacts").resolve(request.runId().value()).resolve("job_events"), out);
            Thread poller = poll(events, "run-" + request.runId() + "-events");
            ProcessRun.Ended ended;
            try {
                ended = processRun.run(request.runId(), command, environment, dir.path(), request.timeout(), cancel, out);
            } finally {
                poller.interrupt();
                poller.join();
            }
            events.readRemaining();
            return result(ended, request.timeout(), events);
        } catch (RunRefusedException e) {
            return RunResult.notStarted(e.getMessage());
        } catch (IOException e) {
            return RunResult.notStarted("could not start ansible-runner: " + e.getMessage());
        } finally {
            out.close();
        }
    }

    private static List<String> playbookArguments(AnsibleSpec.Playbook playbook, RunDirectory dir)
            throws IOException {
        if (playbook instanceof AnsibleSpec.InlinePlaybook inline) {
            dir.writePrivate("project/" + INLINE_PLAYBOOK, inline.yaml());
            return List.of("-p", INLINE_PLAYBOOK);
        }
        AnsibleSpec.ProjectPlaybook project = (AnsibleSpec.ProjectPlaybook) playbook;
        if (!Files.isRegularFile(project.directory().resolve(project.playbookPath()))) {
            throw new IOException("playbook " + project.playbookPath() + " not found in " + project.directory());
        }
        return List.of("--project-dir", project.directory().toAbsolutePath().toString(),
                "-p", project.playbookPath());
    }

    private static Map<String, String> ansibleEnvironment(RunRequest request, AnsibleSpec spec, RunDirectory dir)
            throws IOException {
        Map<String, String> environment = new HashMap<>(request.environment());
        Path home = dir.createDirectory(".ansible");
        environment.put("ANSIBLE_HOME", home.toString());
        environment.put("ANSIBLE_LOCAL_TEMP", home.resolve("tmp").toString());
        environment.put("ANSIBLE_REMOTE_TEMP", home.resolve("remote-tmp").toString());
        // ansible-runner runs ansible-playbook on a pty, which would colour the stored output.
        environment.putIfAbsent("ANSIBLE_NOCOLOR", "1");
        if (spec.vaultPassword().isPresent()) {
            Path file = dir.writePrivate("vault-password", spec.vaultPassword().get());
            environment.put("ANSIBLE_VAULT_PASSWORD_FILE", file.toString());
        }
        return environment;
    }

    private static Thread poll(JobEventReader events, String name) {
        Thread thread = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    events.readNew();
                    Thread.sleep(EVENT_POLL.toMillis());
                }
            } catch (InterruptedException e) {
                // The run has ended; readRemaining takes what is left.
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static RunResult result(ProcessRun.Ended ended, Duration timeout, JobEventReader events) {
        RunResult base = ScriptLauncher.result(ended, timeout);
        String reason = base.reason();
        if (ended.end() == ProcessRun.End.EXITED && ended.exitCode() != 0) {
            reason = "ansible-runner exited " + ended.exitCode()
                    + events.firstFailure().map(f -> ": " + f).orElse("");
        }
        OptionalInt exitCode = base.exitCode();
        return new RunResult(base.outcome(), exitCode, reason, events.recap());
    }
}
