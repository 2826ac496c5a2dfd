package io.octofleet.agent.jobs;

import io.octofleet.ansible.project.InvalidProjectArchiveException;
import io.octofleet.ansible.project.ProjectArchive;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;
import io.octofleet.proto.agent.v1.AnsibleJob;
import io.octofleet.proto.agent.v1.RunAssignment;
import io.octofleet.proto.agent.v1.ScriptJob;
import io.octofleet.proto.agent.v1.ShellJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a {@link RunAssignment} into the {@link RunRequest} an executor runs. Anything the agent cannot make sense
 * of becomes a {@link RunRefusedException} whose message the operator reads, never another exception.
 */
final class AssignmentRequests {
    /** For an assignment that names no timeout; the server always sends one. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofHours(24);
    // Numbers stay as written (1 stays 1, not 1.0), so Ansible sees the types the operator gave.
    private static final Gson JSON = new GsonBuilder()
            .setObjectToNumberStrategy(ToNumberPolicy.LAZILY_PARSED_NUMBER)
            .serializeNulls()
            .create();

    /** The request, and the unpacked project directory to remove after the run, if there is one. */
    record Prepared(RunRequest request, Optional<Path> projectDirectory) {
    }

    private final Path projectsRoot;
    private final RunAs runAs;

    /** @param projectsRoot where Ansible project archives are unpacked, one directory per run (created 0711) */
    AssignmentRequests(Path projectsRoot, RunAs runAs) {
        this.projectsRoot = projectsRoot;
        this.runAs = runAs;
    }

    /**
     * @throws RunRefusedException naming what is wrong with the assignment
     * @throws IOException if a project archive cannot be written out
     */
    Prepared prepare(RunAssignment assignment) throws RunRefusedException, IOException {
        RunId runId = new RunId(assignment.getRunId());
        Optional<String> user = assignment.getRunAs().isBlank()
                ? Optional.empty() : Optional.of(assignment.getRunAs());
        Optional<Path> project = Optional.empty();
        JobSpec spec = switch (assignment.getSpecCase()) {
            case SHELL -> shell(assignment.getShell());
            case SCRIPT -> script(assignment.getScript());
            case INVENTORY -> new InventorySpec();
            case ANSIBLE -> {
                AnsibleJob ansible = assignment.getAnsible();
                AnsibleSpec.Playbook playbook;
                switch (ansible.getPlaybookCase()) {
                    case INLINE_YAML -> playbook = new AnsibleSpec.InlinePlaybook(ansible.getInlineYaml());
                    case PROJECT_ARCHIVE -> {
                        Path directory = unpack(runId, ansible, user);
                        project = Optional.of(directory);
                        playbook = projectPlaybook(directory, ansible.getPlaybookPath());
                    }
                    default -> throw new RunRefusedException("ansible job has neither an inline playbook nor a "
                            + "project archive");
                }
                yield new AnsibleSpec(playbook, extraVars(ansible.getExtraVarsJson()),
                        ansible.getVaultPassword().isEmpty()
                                ? Optional.empty() : Optional.of(ansible.getVaultPassword()));
            }
            default -> throw new RunRefusedException("the assignment carries no job this agent knows how to run "
                    + "(a newer job kind?)");
        };
        Optional<Path> workingDirectory;
        try {
            workingDirectory = assignment.getWorkingDirectory().isBlank()
                    ? Optional.empty() : Optional.of(Path.of(assignment.getWorkingDirectory()));
        } catch (InvalidPathException e) {
            throw new RunRefusedException("working directory is not a path: " + assignment.getWorkingDirectory());
        }
        Duration timeout = assignment.getTimeoutSeconds() == 0
                ? DEFAULT_TIMEOUT : Duration.ofSeconds(assignment.getTimeoutSeconds());
        RunRequest request = new RunRequest(runId, spec, assignment.getEnvironmentMap(), workingDirectory, user,
                timeout);
        return new Prepared(request, project);
    }

    private static ShellSpec shell(ShellJob shell) throws RunRefusedException {
        ShellSpec.Shell kind = switch (shell.getShell().toLowerCase(Locale.ROOT)) {
            case "", "sh" -> ShellSpec.Shell.SH;
            case "bash" -> ShellSpec.Shell.BASH;
            case "powershell", "pwsh" -> ShellSpec.Shell.POWERSHELL;
            default -> throw new RunRefusedException("unknown shell '" + shell.getShell()
                    + "' (sh, bash or powershell)");
        };
        return new ShellSpec(shell.getScript(), kind);
    }

    private static ScriptSpec script(ScriptJob script) throws RunRefusedException {
        if (script.getInterpreter().isBlank()) {
            throw new RunRefusedException("script job names no interpreter");
        }
        return new ScriptSpec(script.getBody(), script.getInterpreter(), script.getArgumentsList());
    }

    private static AnsibleSpec.ProjectPlaybook projectPlaybook(Path directory, String playbookPath)
            throws RunRefusedException {
        try {
            return new AnsibleSpec.ProjectPlaybook(directory, playbookPath);
        } catch (IllegalArgumentException e) {
            throw new RunRefusedException("playbook path '" + playbookPath
                    + "' is not a relative path inside the project archive");
        }
    }

    static Map<String, Object> extraVars(String json) throws RunRefusedException {
        if (json.isBlank()) {
            return Map.of();
        }
        try {
            Map<String, Object> vars = JSON.fromJson(json, new TypeToken<Map<String, Object>>() { }.getType());
            if (vars == null) {
                throw new RunRefusedException("extra vars are not a JSON object: " + json);
            }
            return vars;
        } catch (JsonParseException | IllegalStateException e) {
            throw new RunRefusedException("extra vars are not a JSON object: " + e.getMessage());
        }
    }

    private Path unpack(RunId runId, AnsibleJob ansible, Optional<String> user)
            throws RunRefusedException, IOException {
        // Refuses a run as another user before unpacking anything, when the agent cannot switch users at all.
        Optional<UserPrincipal> owner = runAs.owner(user);
        if (!Files.isDirectory(projectsRoot)) {
            Files.createDirectories(projectsRoot);
            Files.setPosixFilePermissions(projectsRoot, PosixFilePermissions.fromString("rwx--x--x"));
        }
        Path directory = projectsRoot.resolve(runId.value());
        RunDirectory.remove(directory);
        try {
            try {
                ProjectArchive.unpack(ansible.getProjectArchive().toByteArray(), directory);
            } catch (InvalidProjectArchiveException e) {
                throw new RunRefusedException(e.getMessage());
            }
            if (owner.isPresent()) {
                try (var files = Files.walk(directory)) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                                .setOwner(owner.get());
                    }
                }
            }
            return directory;
        } catch (RunRefusedException | IOException | RuntimeException e) {
            RunDirectory.remove(directory);
            throw e;
        }
    }
}
