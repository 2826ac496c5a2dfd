package io.octofleet.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real ansible-runner (Debian: ansible-core and python3-ansible-runner) against this host. */
@EnabledOnOs(OS.LINUX)
class AnsibleRunnerJobExecutorTest {

    @TempDir
    Path temp;

    @BeforeAll
    static void printWhyAnsibleTestsMayBeSkipped() {
        if (ProgramLocator.agentPath().find("ansible-runner").isEmpty()) {
            System.out.println("AnsibleRunnerJobExecutorTest: ansible-runner is not on the PATH, so the playbook "
                    + "tests are skipped; install ansible-core and python3-ansible-runner to run them");
        }
    }

    private static void assumeAnsibleRunner() {
        assumeTrue(ProgramLocator.agentPath().find("ansible-runner").isPresent(),
                "ansible-runner is not installed (apt-get install ansible-core python3-ansible-runner)");
    }

    private Path runsRoot() {
        return temp.resolve("runs");
    }

    private AnsibleRunnerJobExecutor executor() {
        return new AnsibleRunnerJobExecutor(runsRoot(), "ansible-runner", ProgramLocator.agentPath(),
                Duration.ofSeconds(1));
    }

    @Test
    void playbookThatChangesAFileReportsChangedOne() throws Exception {
        assumeAnsibleRunner();
        Path target = temp.resolve("greeting.txt");
        AnsibleSpec spec = new AnsibleSpec(new AnsibleSpec.InlinePlaybook("""
                - hosts: all
                  gather_facts: false
                  tasks:
                    - name: Write the greeting
                      ansible.builtin.copy:
                        dest: "%s"
                        content: "{{ greeting }}\\n"
                """.formatted(target)), Map.of("greeting", "hello from octofleet"), Optional.empty());
        RecordingListener listener = new RecordingListener();

        RunResult result = executor().execute(RunRequest.of(new RunId("ansible-1"), spec, Duration.ofSeconds(120)),
                listener, new CancellationToken());

        assertThat(result.outcome()).as(listener.stdout()).isEqualTo(RunResult.Outcome.SUCCEEDED);
        assertThat(result.exitCode()).hasValue(0);
        assertThat(result.recap()).contains(new PlayRecap(1, 1, 0, 0, 0));
        assertThat(target).hasContent("hello from octofleet");
        assertThat(listener.events).extracting(RunEvent::kind, RunEvent::task, RunEvent::host).containsExactly(
                org.assertj.core.groups.Tuple.tuple(RunEvent.Kind.TASK_STARTED, "Write the greeting", Optional.empty()),
                org.assertj.core.groups.Tuple.tuple(RunEvent.Kind.CHANGED, "Write the greeting",
                        Optional.of("localhost")));
        assertThat(listener.stdout()).contains("TASK [Write the greeting]").contains("PLAY RECAP")
                .doesNotContain("\u001b[");
        assertThat(listener.sequences()).isSorted().doesNotHaveDuplicates();
        try (var left = Files.list(runsRoot())) {
            assertThat(left).as("the private data dir, with extra vars, is removed").isEmpty();
        }
    }

    @Test
    void failingTaskReportsFailedOneWithTheTaskName() throws Exception {
        assumeAnsibleRunner();
        AnsibleSpec spec = AnsibleSpec.inline("""
                - hosts: all
                  gather_facts: false
                  tasks:
                    - name: Say hello
                      ansible.builtin.debug:
                        msg: hello
                    - name: Skip this one
                      ansible.builtin.debug:
                        msg: never
                      when: false
                    - name: Fail on purpose
                      ansible.builtin.fail:
                        msg: the disk is full
                """);
        RecordingListener listener = new RecordingListener();

        RunResult result = executor().execute(RunRequest.of(new RunId("ansible-2"), spec, Duration.ofSeconds(120)),
                listener, new CancellationToken());

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(result.exitCode()).hasValue(2);
        assertThat(result.recap()).contains(new PlayRecap(1, 0, 1, 0, 1));
        assertThat(result.reason())
                .isEqualTo("ansible-runner exited 2: task 'Fail on purpose' failed on localhost: the disk is full");
        assertThat(listener.events).filteredOn(e -> e.kind() != RunEvent.Kind.TASK_STARTED)
                .extracting(RunEvent::kind, RunEvent::task).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(RunEvent.Kind.OK, "Say hello"),
                        org.assertj.core.groups.Tuple.tuple(RunEvent.Kind.SKIPPED, "Skip this one"),
                        org.assertj.core.groups.Tuple.tuple(RunEvent.Kind.FAILED, "Fail on purpose"));
        assertThat(listener.events).filteredOn(e -> e.kind() == RunEvent.Kind.FAILED).singleElement()
                .extracting(RunEvent::message).isEqualTo(Optional.of("the disk is full"));
    }

    @Test
    void streamsTaskEventsWhileThePlaybookRuns() throws Exception {
        assumeAnsibleRunner();
        AnsibleSpec spec = AnsibleSpec.inline("""
                - hosts: all
                  gather_facts: false
                  tasks:
                    - name: Quick one
                      ansible.builtin.debug:
                        msg: hi
                    - name: Slow one
                      ansible.builtin.command: sleep 3
                """);
        RecordingListener listener = new RecordingListener();

        RunResult result = executor().execute(RunRequest.of(new RunId("ansible-7"), spec, Duration.ofSeconds(120)),
                listener, new CancellationToken());
        long ended = System.nanoTime();

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.SUCCEEDED);
        RunEvent quickOk = listener.events.stream().filter(e -> e.kind() == RunEvent.Kind.OK).findFirst().orElseThrow();
        long arrived = listener.arrivals.stream().filter(a -> a.sequence() == quickOk.sequence()).findFirst()
                .orElseThrow().nanos();
        assertThat(quickOk.task()).isEqualTo("Quick one");
        assertThat(Duration.ofNanos(ended - arrived)).isGreaterThan(Duration.ofSeconds(2));
    }

    @Test
    void decryptsVaultContentWithTheGivenPassword() throws Exception {
        assumeAnsibleRunner();
        String encrypted = encryptWithVault("s3cret value", "vault pass");
        Path target = temp.resolve("secret.txt");
        AnsibleSpec spec = new AnsibleSpec(new AnsibleSpec.InlinePlaybook("""
                - hosts: all
                  gather_facts: false
                  vars:
                %s
                  tasks:
                    - name: Write the secret
                      ansible.builtin.copy:
                        dest: "%s"
                        content: "{{ secret }}"
                """.formatted(encrypted.indent(4).stripTrailing(), target)), Map.of(), Optional.of("vault pass"));
        RecordingListener listener = new RecordingListener();

        RunResult result = executor().execute(RunRequest.of(new RunId("ansible-3"), spec, Duration.ofSeconds(120)),
                listener, new CancellationToken());

        assertThat(result.outcome()).as(listener.stdout()).isEqualTo(RunResult.Outcome.SUCCEEDED);
        assertThat(target).hasContent("s3cret value");
        try (var left = Files.list(runsRoot())) {
            assertThat(left).as("the vault password file is removed with the run directory").isEmpty();
        }
    }

    @Test
    void runsAPlaybookFromAProjectDirectory() throws Exception {
        assumeAnsibleRunner();
        Path tasks = Files.createDirectories(temp.resolve("project/roles/hello/tasks"));
        Files.writeString(tasks.resolve("main.yml"), """
                - name: Greet from a role
                  ansible.builtin.debug:
                    msg: "{{ who }}"
                """);
        Files.writeString(temp.resolve("project/site.yml"), """
                - hosts: all
                  gather_facts: false
                  roles:
                    - hello
                """);
        AnsibleSpec spec = new AnsibleSpec(new AnsibleSpec.ProjectPlaybook(temp.resolve("project"), "site.yml"),
                Map.of("who", "the fleet"), Optional.empty());
        RecordingListener listener = new RecordingListener();

        RunResult result = executor().execute(RunRequest.of(new RunId("ansible-4"), spec, Duration.ofSeconds(120)),
                listener, new CancellationToken());

        assertThat(result.outcome()).as(listener.stdout()).isEqualTo(RunResult.Outcome.SUCCEEDED);
        assertThat(listener.stdout()).contains("the fleet");
        assertThat(listener.events).extracting(RunEvent::task).contains("Greet from a role");
        try (var files = Files.list(temp.resolve("project"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("the project is used in place, and nothing is written into it")
                    .containsExactlyInAnyOrder("roles", "site.yml");
        }
    }

    @Test
    void timeoutKillsAnsibleRunnerAndTheTaskItRuns() throws Exception {
        assumeAnsibleRunner();
        String marker = "600." + Processes.marker();
        AnsibleSpec spec = AnsibleSpec.inline("""
                - hosts: all
                  gather_facts: false
                  tasks:
                    - name: Sleep for ever
                      ansible.builtin.command: sleep %s
                """.formatted(marker));

        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> {
            try {
                return executor().execute(RunRequest.of(new RunId("ansible-5"), spec, Duration.ofSeconds(8)),
                        new RecordingListener(), new CancellationToken());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // The sleep, and the ansible module wrapper processes whose command line carries it.
        List<ProcessHandle> sleeping = awaitAtLeastOne(marker);
        RunResult result = run.get(30, TimeUnit.SECONDS);

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.TIMED_OUT);
        assertThat(sleeping).allMatch(Processes::gone);
        assertThat(Processes.withMarker(marker)).isEmpty();
    }

    @Test
    void missingAnsibleRunnerIsAClearFailure() throws Exception {
        Path emptyBin = Files.createDirectories(temp.resolve("bin"));
        AnsibleRunnerJobExecutor executor = new AnsibleRunnerJobExecutor(runsRoot(), "ansible-runner",
                new ProgramLocator(emptyBin.toString()), Duration.ofSeconds(1));

        RunResult result = executor.execute(
                RunRequest.of(new RunId("ansible-6"), AnsibleSpec.inline("- hosts: all"), Duration.ofSeconds(30)),
                new RecordingListener(), new CancellationToken());

        assertThat(result.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(result.exitCode()).isEmpty();
        assertThat(result.reason()).isEqualTo("ansible-runner not found on this host (install python3-ansible-runner)");
    }

    private List<ProcessHandle> awaitAtLeastOne(String marker) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<ProcessHandle> found = Processes.withMarker(marker);
        while (found.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            found = Processes.withMarker(marker);
        }
        assertThat(found).isNotEmpty();
        return found;
    }

    /** {@code ansible-vault encrypt_string}'s YAML for {@code secret: !vault |...}. */
    private String encryptWithVault(String value, String password) throws Exception {
        Path passwordFile = Files.writeString(temp.resolve("vault-pass"), password);
        Path home = temp.resolve("vault-home");
        ProcessBuilder builder = new ProcessBuilder("ansible-vault", "encrypt_string", "--vault-password-file",
                passwordFile.toString(), "--name", "secret", value).redirectErrorStream(true);
        builder.environment().put("ANSIBLE_HOME", home.toString());
        builder.environment().put("ANSIBLE_LOCAL_TEMP", home.resolve("tmp").toString());
        Process process = builder.start();
        String yaml = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(yaml).isZero();
        return yaml.lines().filter(line -> !line.startsWith("Encryption successful"))
                .reduce((a, b) -> a + "\n" + b).orElseThrow();
    }
}
