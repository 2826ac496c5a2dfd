package io.octofleet.server.ansible;

import io.octofleet.ansible.project.InvalidProjectArchiveException;
import io.octofleet.ansible.project.ProjectArchive;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.octofleet.server.db.tables.records.JobRunsRecord;
import io.octofleet.server.db.tables.records.JobsRecord;
import io.octofleet.server.jobs.AnsibleJob;
import io.octofleet.server.jobs.PlayRecap;
import io.octofleet.server.jobs.RunId;
import io.octofleet.server.jobs.RunStatus;
import io.octofleet.server.jobs.RunUpdate;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.parameters.ParameterService;
import io.octofleet.server.parameters.ResolvedParameter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One {@link DirectAnsibleRunner#start} call: one ansible-runner process over SSH for every run (host) it was given.
 * Builds the private data dir, runs ansible-runner with the job's timeout, turns its job events into each host's run
 * updates as they come, and ends every run from the play recap — or all of them alike when the process is stopped.
 */
final class DirectCall implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectCall.class);
    static final Duration EVENT_POLL = Duration.ofMillis(200);
    static final Duration KILL_GRACE = Duration.ofSeconds(5);
    /** The server unpacks into its own home: tighter than an agent's default. */
    static final ProjectArchive.Limits ARCHIVE_LIMITS = new ProjectArchive.Limits(256L * 1024 * 1024, 20_000);
    static final String INLINE_PLAYBOOK = "site.yml";
    private static final int MAX_REASON = 2000;
    /** Inventory names Ansible takes as they are: no pattern characters, spaces or quotes. */
    private static final Pattern SAFE_HOST = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}");
    private static final Pattern RECAP_LINE = Pattern.compile("(\\S+)\\s+: ok=.*");
    /** Unix socket paths are limited to 108 bytes; ssh's ControlPath lives in this directory. */
    private static final int MAX_CONTROL_DIR = 60;

    /** The server-side pieces every call uses. */
    record Services(ParameterService parameters, JsonMapper json, DirectAnsibleConfiguration config,
                    Path dataDirs, String program, RunReporterFactory reporters) {
    }

    interface RunReporterFactory {
        RunReporter create(NodeId node, RunId run);
    }

    /** One target of the call: its inventory name, its run, and what Ansible said about it. */
    private static final class Host {
        final String name;
        final JobRunsRecord run;
        final RunReporter reporter;
        @Nullable String firstFailure;
        @Nullable String unreachable;
        @Nullable PlayRecap recap;
        /** How the run ends; reported only after the call has cleaned up, so an ended run leaves nothing behind. */
        @Nullable RunUpdate.Finished result;

        Host(String name, JobRunsRecord run, RunReporter reporter) {
            this.name = name;
            this.run = run;
            this.reporter = reporter;
        }

        boolean open() {
            return result == null;
        }

        void conclude(RunUpdate.Finished finished) {
            if (result == null) {
                result = finished;
            }
        }
    }

    /** What ansible-runner is run with. */
    private record Prepared(String playbook, Map<String, String> environment) {
    }

    /** A reason the whole call cannot run; every open run fails with it. */
    private static final class CallFailed extends Exception {
        CallFailed(String reason) {
            super(reason);
        }
    }

    private final Services services;
    private final UUID jobId;
    private final AnsibleJob spec;
    private final Duration timeout;
    private final String ident = UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final List<String> runnerErrors = new ArrayList<>();
    private volatile RunStatus stopAs;
    private volatile String stopReason;

    DirectCall(Services services, JobsRecord job, AnsibleJob spec, List<JobRunsRecord> runs) {
        this.services = services;
        this.jobId = job.getId();
        this.spec = spec;
        this.timeout = Duration.ofSeconds(job.getTimeoutSeconds());
        Map<NodeId, String> hostnames = new LinkedHashMap<>();
        Map<NodeId, JobRunsRecord> byNode = new LinkedHashMap<>();
        for (JobRunsRecord run : runs) {
            NodeId node = new NodeId(run.getNodeId());
            hostnames.put(node, run.getHostname());
            byNode.put(node, run);
        }
        Map<NodeId, String> names = AnsibleNames.hostNames(hostnames, NodeId::toString);
        Set<String> taken = new HashSet<>();
        byNode.forEach((node, run) -> {
            String name = names.get(node);
            if (!SAFE_HOST.matcher(name).matches() || !taken.add(name)) {
                name = "node-" + node;
                taken.add(name);
            }
            hosts.put(name, new Host(name, run, services.reporters().create(node, new RunId(run.getId()))));
        });
    }

    List<RunId> runIds() {
        return hosts.values().stream().map(h -> h.reporter.run()).toList();
    }

    /** Stops the call: ansible-runner is killed (or never started) and every open run ends with this outcome. */
    void stop(RunStatus outcome, String reason) {
        if (stopAs == null) {
            stopReason = reason;
            stopAs = outcome;
        }
    }

    @Override
    public void run() {
        hosts.values().forEach(h -> h.reporter.report(new RunUpdate.Started()));
        if (stopAs != null) {
            finishOpen(stopAs, null, stopReason);
            report();
            return;
        }
        PrivateDataDir dir = null;
        Path controlDir = null;
        try {
            dir = PrivateDataDir.create(services.dataDirs(), jobId + "-" + ident);
            controlDir = controlDirectory();
            Prepared prepared = prepare(dir, controlDir);
            if (prepared != null) {
                execute(dir, prepared);
            }
        } catch (CallFailed e) {
            finishOpen(RunStatus.FAILED, null, e.getMessage());
        } catch (IOException e) {
            finishOpen(RunStatus.FAILED, null, "could not prepare ansible-runner's private data dir on the server: "
                    + e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("Direct-mode Ansible call for job {} failed", jobId, e);
            finishOpen(RunStatus.FAILED, null, "direct-mode Ansible failed on the server: " + e);
        } finally {
            cleanUp(dir, controlDir);
            finishOpen(RunStatus.FAILED, null, "direct-mode Ansible ended without a result for this host");
            report();
        }
    }

    private void report() {
        hosts.values().forEach(h -> h.reporter.report(h.result));
    }

    /** Writes project, inventory and env; null when no host is left to run. */
    private @Nullable Prepared prepare(PrivateDataDir dir, Path controlDir) throws IOException, CallFailed {
        Map<String, Object> inventory = new TreeMap<>();
        Map<Host, String> vaultPasswords = new LinkedHashMap<>();
        Map<NodeId, Map<String, ResolvedParameter>> all = null;
        try {
            // Two queries for the whole batch; should a secret not decrypt, node by node below finds whose.
            all = services.parameters().effectiveFor(hosts.values().stream().map(h -> h.reporter.node()).toList());
        } catch (RuntimeException e) {
            LOG.warn("Job {}: cannot resolve the batch's parameters at once ({}); resolving node by node", jobId,
                    e.toString());
        }
        for (Host host : hosts.values()) {
            NodeId node = host.reporter.node();
            Map<String, ResolvedParameter> parameters;
            try {
                parameters = all != null ? all.getOrDefault(node, Map.of()) : services.parameters().effectiveFor(node);
            } catch (RuntimeException e) {
                host.conclude(new RunUpdate.Finished(RunStatus.FAILED, null,
                        "cannot read node " + node + "'s parameters: " + e.getMessage(), null));
                continue;
            }
            Map<String, Object> vars = new TreeMap<>();
            parameters.forEach((key, p) -> vars.put(key, p.value()));
            vars.putIfAbsent("ansible_host", host.run.getHostname());
            vars.put("octofleet_node_id", node.toString());
            vars.put("octofleet_hostname", host.run.getHostname());
            inventory.put(host.name, vars);
            if (spec.vaultPasswordParameter() != null) {
                ResolvedParameter p = parameters.get(spec.vaultPasswordParameter());
                vaultPasswords.put(host, p == null ? null : p.value());
            }
        }
        if (inventory.isEmpty()) {
            return null;
        }
        Set<String> distinct = new HashSet<>(vaultPasswords.values());
        if (distinct.size() > 1) {
            throw new CallFailed("the vault password parameter '" + spec.vaultPasswordParameter()
                    + "' differs between the " + vaultPasswords.size() + " hosts of this direct-mode call (or is "
                    + "missing on some): they run in one ansible-runner process with one vault password; set the "
                    + "same value for all of them, e.g. on a group or globally");
        }

        dir.directory("project");
        String playbook;
        if (spec.playbook() != null) {
            dir.writePrivate("project/" + INLINE_PLAYBOOK, spec.playbook().getBytes(StandardCharsets.UTF_8));
            playbook = INLINE_PLAYBOOK;
        } else {
            try {
                ProjectArchive.unpack(Base64.getDecoder().decode(spec.projectArchive()), dir.resolve("project"),
                        ARCHIVE_LIMITS);
            } catch (InvalidProjectArchiveException e) {
                throw new CallFailed(e.getMessage());
            }
            playbook = spec.playbookPath();
        }
        dir.writePrivate("inventory/hosts.json", services.json().writeValueAsBytes(Map.of("all", Map.of("hosts",
                inventory))));
        dir.writePrivate("env/extravars", services.json().writeValueAsBytes(spec.extraVars()));

        Path home = dir.directory(".ansible");
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("ANSIBLE_HOME", home.toString());
        environment.put("ANSIBLE_LOCAL_TEMP", home.resolve("tmp").toString());
        environment.put("ANSIBLE_REMOTE_TEMP", home.resolve("remote-tmp").toString());
        environment.put("ANSIBLE_SSH_CONTROL_PATH_DIR", controlDir.toString());
        environment.put("ANSIBLE_HOST_KEY_CHECKING", services.config().hostKeyChecking() ? "True" : "False");
        // ansible-runner runs ansible-playbook on a pty, which would colour the stored output.
        environment.put("ANSIBLE_NOCOLOR", "1");
        environment.put("ANSIBLE_RETRY_FILES_ENABLED", "False");
        environment.put("OCTOFLEET_JOB_ID", jobId.toString());
        String vaultPassword = distinct.isEmpty() ? null : distinct.iterator().next();
        if (vaultPassword != null) {
            Path file = dir.writePrivate("vault-password", vaultPassword.getBytes(StandardCharsets.UTF_8));
            environment.put("ANSIBLE_VAULT_PASSWORD_FILE", file.toString());
        }
        dir.writePrivate("env/envvars", services.json().writeValueAsBytes(environment));
        if (services.config().sshPrivateKeyFile() != null && !services.config().sshPrivateKeyFile().isBlank()) {
            Path key = Path.of(services.config().sshPrivateKeyFile());
            byte[] content;
            try {
                content = Files.readAllBytes(key);
            } catch (IOException e) {
                throw new CallFailed("octofleet.ansible.direct.ssh-private-key-file " + key + " cannot be read: "
                        + e);
            }
            dir.writePrivate("env/ssh_key", content);
        }
        return new Prepared(playbook, environment);
    }

    private void execute(PrivateDataDir dir, Prepared prepared) throws CallFailed {
        List<String> command = List.of(services.program(), "run", dir.path().toString(), "-p", prepared.playbook(),
                "--ident", ident);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.path().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("octofleet-runner.log").toFile());
        builder.environment().putAll(prepared.environment());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new CallFailed("could not start ansible-runner on the server: " + e.getMessage());
        }
        LOG.info("Job {}: ansible-runner (pid {}) runs {} host(s) over SSH", jobId, process.pid(), hosts.size());
        JobEventFiles events = new JobEventFiles(dir.resolve("artifacts/" + ident + "/job_events"),
                services.json(), this::take);
        long deadline = System.nanoTime() + timeout.toNanos();
        RunStatus killedAs = null;
        String killReason = null;
        boolean interrupted = false;
        try {
            while (!process.waitFor(EVENT_POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                events.readNew();
                if (stopAs != null) {
                    killedAs = stopAs;
                    killReason = stopReason;
                    break;
                }
                if (System.nanoTime() - deadline > 0) {
                    killedAs = RunStatus.TIMED_OUT;
                    killReason = "timed out after " + timeout.toSeconds() + " s: ansible-runner was stopped";
                    break;
                }
            }
        } catch (InterruptedException e) {
            interrupted = true;
            killedAs = RunStatus.CANCELLED;
            killReason = "the server stopped while ansible-runner ran";
        }
        if (killedAs != null) {
            ProcessTree.kill(process.toHandle(), KILL_GRACE);
        }
        events.readRemaining();
        if (killedAs != null) {
            finishOpen(killedAs, null, killReason);
        } else {
            finishFromResults(process.exitValue(), dir);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** One job event: its text to the host's run (or every run, for play-level events), task results as events. */
    private void take(JsonNode event) {
        String type = text(event, "event");
        JsonNode data = child(event, "event_data");
        String hostName = text(data, "host");
        Host host = hostName == null ? null : hosts.get(hostName);
        String stdout = text(event, "stdout");
        if (stdout != null && !stdout.isEmpty()) {
            boolean recap = "playbook_on_stats".equals(type);
            for (Host h : host == null ? hosts.values().stream().filter(Host::open).toList() : List.of(host)) {
                String text = recap ? ownRecapLines(stdout, h.name) : stdout;
                h.reporter.report(new RunUpdate.Output("stdout", (text + "\n").getBytes(StandardCharsets.UTF_8), 0));
            }
        }
        String task = Objects.requireNonNullElse(text(data, "task"), "");
        JsonNode res = child(data, "res");
        String message = text(res, "msg");
        switch (type == null ? "" : type) {
            case "playbook_on_task_start", "playbook_on_handler_task_start" ->
                    hosts.values().stream().filter(Host::open).forEach(h -> h.reporter.report(
                            new RunUpdate.TaskEvent("task_started", task, null, null)));
            case "runner_on_ok" -> taskEvent(host, bool(res, "changed") ? "changed" : "ok", task, message);
            case "runner_on_skipped" -> taskEvent(host, "skipped", task, message);
            case "runner_on_failed" -> {
                if (host != null && !bool(data, "ignore_errors")) {
                    taskEvent(host, "failed", task, message);
                    if (host.firstFailure == null) {
                        host.firstFailure = "task '" + task + "' failed" + (message == null ? "" : ": " + message);
                    }
                }
            }
            case "runner_on_unreachable" -> {
                taskEvent(host, "unreachable", task, message);
                if (host != null && host.unreachable == null) {
                    host.unreachable = "unreachable in task '" + task + "'"
                            + (message == null ? "" : ": " + message);
                }
            }
            case "playbook_on_stats" -> hosts.values().forEach(h -> h.recap = recap(data, h.name));
            case "verbose", "error" -> {
                if (stdout != null && stdout.strip().startsWith("ERROR!")) {
                    runnerErrors.add(stdout.strip());
                }
            }
            default -> {
                // Play start, per-item results, warnings: their text went to the output above.
            }
        }
    }

    /** The PLAY RECAP text without the other hosts' lines: each run shows its own host's results only. */
    private static String ownRecapLines(String stdout, String host) {
        return stdout.lines().filter(line -> {
            Matcher m = RECAP_LINE.matcher(line);
            return !m.matches() || m.group(1).equals(host);
        }).collect(Collectors.joining("\n"));
    }

    private static void taskEvent(@Nullable Host host, String kind, String task, @Nullable String message) {
        if (host != null) {
            host.reporter.report(new RunUpdate.TaskEvent(kind, task, host.name, message));
        }
    }

    /** The host's counts in playbook_on_stats, which gives each count per host: {@code "ok": {"web-1": 2}}; null when it ran nothing. */
    private static @Nullable PlayRecap recap(JsonNode stats, String host) {
        if (!has(stats, "processed", host) && !has(stats, "dark", host) && !has(stats, "failures", host)) {
            return null;
        }
        return new PlayRecap(count(stats, "ok", host), count(stats, "changed", host), count(stats, "failures", host),
                count(stats, "dark", host), count(stats, "skipped", host), count(stats, "rescued", host),
                count(stats, "ignored", host));
    }

    private void finishFromResults(int exitCode, PrivateDataDir dir) {
        for (Host h : hosts.values()) {
            if (!h.open()) {
                continue;
            }
            PlayRecap recap = h.recap;
            RunUpdate.Finished finished;
            if (recap != null ? recap.failed() > 0 : h.firstFailure != null) {
                finished = new RunUpdate.Finished(RunStatus.FAILED, exitCode,
                        bounded(h.firstFailure != null ? h.firstFailure : "a task failed (see the output)"), recap);
            } else if (recap != null ? recap.unreachable() > 0 : h.unreachable != null) {
                finished = new RunUpdate.Finished(RunStatus.UNREACHABLE, exitCode,
                        bounded(h.unreachable != null ? h.unreachable : "unreachable over SSH (see the output)"),
                        recap);
            } else if (recap != null || exitCode == 0) {
                // A host no play matched ran nothing, which is not a failure.
                finished = new RunUpdate.Finished(RunStatus.SUCCEEDED, 0, null, recap);
            } else {
                String why = runnerErrors.isEmpty() ? tail(dir.resolve("octofleet-runner.log"))
                        : String.join("; ", runnerErrors);
                finished = new RunUpdate.Finished(RunStatus.FAILED, exitCode,
                        bounded("ansible-runner exited " + exitCode + (why.isEmpty() ? "" : ": " + why)), null);
            }
            h.conclude(finished);
        }
    }

    private void finishOpen(RunStatus outcome, @Nullable Integer exitCode, String reason) {
        for (Host h : hosts.values()) {
            if (h.open()) {
                h.conclude(new RunUpdate.Finished(outcome, exitCode, bounded(reason), h.recap));
            }
        }
    }

    private void cleanUp(@Nullable PrivateDataDir dir, @Nullable Path controlDir) {
        List<Path> paths = new ArrayList<>();
        if (dir != null) {
            paths.add(dir.path());
        }
        if (controlDir != null) {
            paths.add(controlDir);
        }
        // ssh's ControlPersist masters (and anything else ansible left behind) name these directories.
        ProcessTree.killMentioning(paths, KILL_GRACE);
        try {
            if (controlDir != null) {
                io.octofleet.ansible.runner.Trees.delete(controlDir);
            }
            if (dir != null) {
                if (services.config().keepArtifacts()) {
                    LOG.info("Job {}: kept ansible-runner's private data dir {} (it holds the targets' secrets)",
                            jobId, dir.path());
                } else {
                    dir.delete();
                }
            }
        } catch (IOException e) {
            LOG.warn("Job {}: could not remove {}: {}", jobId, dir == null ? controlDir : dir.path(), e.toString());
        }
    }

    /**
     * A short directory for ssh's control sockets: their paths must fit in 108 bytes, which a data dir under
     * OCTOFLEET_HOME need not.
     */
    private static Path controlDirectory() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        if (tmp.toAbsolutePath().toString().length() > MAX_CONTROL_DIR - 25) {
            tmp = Path.of("/tmp");
        }
        return Files.createTempDirectory(tmp, "octofleet-ssh-"); // 0700
    }

    /** The last lines ansible-runner printed, for a reason when it failed without an event saying why. */
    private static String tail(Path log) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long start = Math.max(0, file.length() - 1000);
            byte[] bytes = new byte[(int) (file.length() - start)];
            file.seek(start);
            file.readFully(bytes);
            List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines()
                    .map(l -> l.replaceAll("\u001B\\[[0-9;]*m", "").strip()).filter(l -> !l.isEmpty()).toList();
            return lines.subList(Math.max(0, lines.size() - 3), lines.size()).stream()
                    .collect(Collectors.joining(" / "));
        } catch (IOException e) {
            return "";
        }
    }

    private static String bounded(String reason) {
        return reason.length() <= MAX_REASON ? reason : reason.substring(0, MAX_REASON - 3) + "...";
    }

    private static @Nullable JsonNode child(@Nullable JsonNode node, String name) {
        if (node == null || !node.isObject()) {
            return null;
        }
        return node.get(name);
    }

    private static @Nullable String text(@Nullable JsonNode node, String name) {
        JsonNode value = child(node, name);
        return value != null && value.isString() ? value.getStringValue() : null;
    }

    private static boolean bool(@Nullable JsonNode node, String name) {
        JsonNode value = child(node, name);
        return value != null && value.isBoolean() && value.getBooleanValue();
    }

    private static boolean has(JsonNode stats, String name, String host) {
        return child(child(stats, name), host) != null;
    }

    private static int count(JsonNode stats, String name, String host) {
        JsonNode value = child(child(stats, name), host);
        return value != null && value.isNumber() ? value.getIntValue() : 0;
    }
}
