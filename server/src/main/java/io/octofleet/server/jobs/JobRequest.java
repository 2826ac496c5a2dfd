package io.octofleet.server.jobs;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.targeting.Targets;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /api/v1/jobs} (and a schedule's job template) as the operator sent it: the kind's fields
 * sit beside the common ones. Ids are strings here so that a malformed one is reported by name rather than as
 * unreadable JSON. {@link #definition} checks everything and says what is wrong.
 */
@Serdeable
public record JobRequest(
        @Nullable String name,
        @Nullable String kind,
        // shell and script
        @Nullable String script,
        @Nullable String shell,
        @Nullable String interpreter,
        @Nullable List<String> arguments,
        // ansible
        @Nullable String playbook,
        @Nullable String projectArchive,
        @Nullable String playbookPath,
        @Nullable Map<String, Object> extraVars,
        @Nullable String vaultPasswordParameter,
        @Nullable String mode,
        // common
        @Nullable TargetsRequest targets,
        @Nullable Integer timeoutSeconds,
        @Nullable Integer maxParallel,
        @Nullable Integer batchSize,
        @Nullable Integer retries,
        @Nullable Boolean continueOnFailure,
        @Nullable String runAs,
        @Nullable Integer expiresInSeconds,
        // the organization the job runs in (its name); optional when the caller can run jobs in one only
        @Nullable String organization) {

    static final int MAX_SCRIPT_BYTES = 1024 * 1024;
    static final int MAX_ARCHIVE_BYTES = 8 * 1024 * 1024;
    static final int MAX_NAME = 200;
    static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);
    static final Duration MAX_TIMEOUT = Duration.ofDays(7);
    static final Duration MAX_EXPIRY = Duration.ofDays(30);
    static final int MAX_RETRIES = 10;
    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}\\$?");
    private static final Pattern PARAMETER_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Pattern INTERPRETER = Pattern.compile("[A-Za-z0-9_./+-]{1,255}");

    /** The targets part: any of them selects a node. */
    @Serdeable
    public record TargetsRequest(@Nullable List<String> nodeIds, @Nullable List<String> groupIds,
                                 @Nullable List<String> tags, @Nullable String query) {
        Targets targets() {
            List<NodeId> nodes = new ArrayList<>();
            for (String id : nodeIds == null ? List.<String>of() : nodeIds) {
                try {
                    nodes.add(NodeId.parse(String.valueOf(id)));
                } catch (IllegalArgumentException e) {
                    throw ApiException.invalid("targets.nodeIds: '" + id + "' is not a node id (a UUID)");
                }
            }
            List<UUID> groups = new ArrayList<>();
            for (String id : groupIds == null ? List.<String>of() : groupIds) {
                try {
                    groups.add(UUID.fromString(String.valueOf(id)));
                } catch (IllegalArgumentException e) {
                    throw ApiException.invalid("targets.groupIds: '" + id + "' is not a group id (a UUID)");
                }
            }
            if (tags != null && tags.stream().anyMatch(t -> t == null || t.isBlank())) {
                throw ApiException.invalid("targets.tags must not contain empty tags");
            }
            return new Targets(nodes, groups, tags, query);
        }
    }

    /**
     * The validated job.
     *
     * @param defaultExpiry how long runs wait for offline agents when the request does not say
     * @throws ApiException invalid-request naming the first problem
     */
    JobDefinition definition(Duration defaultExpiry) {
        if (targets == null) {
            throw ApiException.invalid("targets is required: {\"nodeIds\", \"groupIds\", \"tags\", \"query\"}");
        }
        Targets resolvedTargets = targets.targets();
        if (resolvedTargets.isEmpty()) {
            throw ApiException.invalid("targets must name at least one of nodeIds, groupIds, tags or query");
        }
        JobSpec spec = spec();
        String jobName = name == null || name.isBlank() ? defaultName(spec) : name.strip();
        if (jobName.length() > MAX_NAME) {
            throw ApiException.invalid("name must be at most " + MAX_NAME + " characters");
        }
        Duration timeout = seconds("timeoutSeconds", timeoutSeconds, DEFAULT_TIMEOUT, MAX_TIMEOUT);
        Duration expiry = seconds("expiresInSeconds", expiresInSeconds, defaultExpiry, MAX_EXPIRY);
        if (maxParallel != null && maxParallel < 1) {
            throw ApiException.invalid("maxParallel must be at least 1");
        }
        if (batchSize != null && batchSize < 1) {
            throw ApiException.invalid("batchSize must be at least 1");
        }
        int retryCount = retries == null ? 0 : retries;
        if (retryCount < 0 || retryCount > MAX_RETRIES) {
            throw ApiException.invalid("retries must be between 0 and " + MAX_RETRIES);
        }
        String user = runAs == null || runAs.isBlank() ? null : runAs.strip();
        if (user != null && !USER.matcher(user).matches()) {
            throw ApiException.invalid("runAs must be a user name (lower-case letters, digits, '_', '-', '.'), got '"
                    + runAs + "'");
        }
        if (user != null && spec instanceof AnsibleJob a && a.direct()) {
            throw ApiException.invalid("runAs does not apply to direct-mode Ansible; use become in the playbook");
        }
        return new JobDefinition(jobName, spec, resolvedTargets, timeout, maxParallel, batchSize, retryCount,
                Boolean.TRUE.equals(continueOnFailure), user, expiry);
    }

    private JobSpec spec() {
        if (kind == null || kind.isBlank()) {
            throw ApiException.invalid("kind is required: shell, script, ansible or inventory");
        }
        return switch (kind) {
            case ShellJob.KIND -> {
                onlyFor("shell", List.of("interpreter", "arguments", "playbook", "projectArchive", "playbookPath",
                        "extraVars", "vaultPasswordParameter", "mode"));
                String chosen = shell == null || shell.isBlank() ? "sh" : shell;
                if (!List.of("sh", "bash", "powershell").contains(chosen)) {
                    throw ApiException.invalid("shell must be sh, bash or powershell, got '" + shell + "'");
                }
                yield new ShellJob(scriptBody(), chosen);
            }
            case ScriptJob.KIND -> {
                onlyFor("script", List.of("shell", "playbook", "projectArchive", "playbookPath", "extraVars",
                        "vaultPasswordParameter", "mode"));
                if (interpreter == null || !INTERPRETER.matcher(interpreter).matches()) {
                    throw ApiException.invalid("interpreter is required for kind script: a program name or absolute "
                            + "path, e.g. \"python3\"");
                }
                List<String> args = arguments == null ? List.of() : arguments;
                if (args.stream().anyMatch(a -> a == null || a.indexOf('\0') >= 0)) {
                    throw ApiException.invalid("arguments must be strings without NUL characters");
                }
                yield new ScriptJob(scriptBody(), interpreter, args);
            }
            case AnsibleJob.KIND -> {
                onlyFor("ansible", List.of("script", "shell", "interpreter", "arguments"));
                yield ansible();
            }
            case InventoryJob.KIND -> {
                onlyFor("inventory", List.of("script", "shell", "interpreter", "arguments", "playbook",
                        "projectArchive", "playbookPath", "extraVars", "vaultPasswordParameter", "mode"));
                yield new InventoryJob();
            }
            default -> throw ApiException.invalid("kind must be shell, script, ansible or inventory, got '" + kind
                    + "'");
        };
    }

    private String scriptBody() {
        if (script == null || script.isBlank()) {
            throw ApiException.invalid("script is required for kind " + kind);
        }
        if (script.getBytes(StandardCharsets.UTF_8).length > MAX_SCRIPT_BYTES || script.indexOf('\0') >= 0) {
            throw ApiException.invalid("script must be at most " + MAX_SCRIPT_BYTES + " bytes, without NUL characters");
        }
        return script;
    }

    private AnsibleJob ansible() {
        String chosenMode = mode == null || mode.isBlank() ? AnsibleJob.AGENT_MODE : mode;
        if (!chosenMode.equals(AnsibleJob.AGENT_MODE) && !chosenMode.equals(AnsibleJob.DIRECT_MODE)) {
            throw ApiException.invalid("mode must be agent or direct, got '" + mode + "'");
        }
        if ((playbook == null) == (projectArchive == null)) {
            throw ApiException.invalid("an ansible job needs exactly one of playbook (inline YAML) or projectArchive "
                    + "(base64 .tar.gz with playbookPath)");
        }
        if (playbook != null) {
            if (playbookPath != null) {
                throw ApiException.invalid("playbookPath belongs with projectArchive, not with an inline playbook");
            }
            checkPlaybook(playbook);
        } else {
            byte[] archive;
            try {
                archive = Base64.getDecoder().decode(projectArchive);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("projectArchive must be base64: " + e.getMessage());
            }
            if (archive.length > MAX_ARCHIVE_BYTES) {
                throw ApiException.invalid("projectArchive must be at most " + MAX_ARCHIVE_BYTES + " bytes");
            }
            if (archive.length < 2 || (archive[0] & 0xff) != 0x1f || (archive[1] & 0xff) != 0x8b) {
                throw ApiException.invalid("projectArchive must be a gzip-compressed tar archive (.tar.gz)");
            }
            if (playbookPath == null || playbookPath.isBlank() || playbookPath.startsWith("/")
                    || List.of(playbookPath.split("/")).contains("..")) {
                throw ApiException.invalid("playbookPath is required with projectArchive: a relative path inside "
                        + "the archive, e.g. \"site.yml\"");
            }
        }
        if (vaultPasswordParameter != null && !PARAMETER_KEY.matcher(vaultPasswordParameter).matches()) {
            throw ApiException.invalid("vaultPasswordParameter must be a parameter key, got '"
                    + vaultPasswordParameter + "'");
        }
        return new AnsibleJob(playbook, projectArchive, playbook == null ? playbookPath : null, extraVars,
                vaultPasswordParameter, chosenMode);
    }

    /** Parses the playbook the way Ansible will, so a YAML mistake is a 400 now rather than a failed run later. */
    private static void checkPlaybook(String yaml) {
        if (yaml.getBytes(StandardCharsets.UTF_8).length > MAX_SCRIPT_BYTES) {
            throw ApiException.invalid("playbook must be at most " + MAX_SCRIPT_BYTES + " bytes");
        }
        Object parsed;
        try {
            parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        } catch (MarkedYAMLException e) {
            throw ApiException.invalid("playbook is not valid YAML at line " + (e.getProblemMark().getLine() + 1)
                    + ", column " + (e.getProblemMark().getColumn() + 1) + ": " + e.getProblem());
        } catch (YAMLException e) {
            throw ApiException.invalid("playbook is not valid YAML: " + e.getMessage());
        }
        if (!(parsed instanceof List<?> plays) || plays.isEmpty()
                || !plays.stream().allMatch(p -> p instanceof Map<?, ?>)) {
            throw ApiException.invalid("playbook must be a YAML list of plays, e.g. \"- hosts: all\\n  tasks: ...\"");
        }
    }

    private void onlyFor(String theKind, List<String> foreignFields) {
        Map<String, Object> given = new java.util.LinkedHashMap<>();
        given.put("script", script);
        given.put("shell", shell);
        given.put("interpreter", interpreter);
        given.put("arguments", arguments);
        given.put("playbook", playbook);
        given.put("projectArchive", projectArchive);
        given.put("playbookPath", playbookPath);
        given.put("extraVars", extraVars);
        given.put("vaultPasswordParameter", vaultPasswordParameter);
        given.put("mode", mode);
        for (String field : foreignFields) {
            if (given.get(field) != null) {
                throw ApiException.invalid(field + " does not apply to kind " + theKind);
            }
        }
    }

    private static Duration seconds(String field, Integer value, Duration fallback, Duration max) {
        if (value == null) {
            return fallback;
        }
        if (value < 1 || value > max.toSeconds()) {
            throw ApiException.invalid(field + " must be between 1 and " + max.toSeconds());
        }
        return Duration.ofSeconds(value);
    }

    private static String defaultName(JobSpec spec) {
        String text;
        if (spec instanceof ShellJob s) {
            text = s.script();
        } else if (spec instanceof ScriptJob s) {
            text = s.interpreter() + " script";
        } else if (spec instanceof InventoryJob) {
            text = "refresh inventory";
        } else {
            AnsibleJob a = (AnsibleJob) spec;
            text = a.playbook() != null ? "ansible playbook" : "ansible " + a.playbookPath();
        }
        String firstLine = text.strip().lines().findFirst().orElse(spec.kind());
        return firstLine.length() > 80 ? firstLine.substring(0, 77) + "..." : firstLine;
    }
}
