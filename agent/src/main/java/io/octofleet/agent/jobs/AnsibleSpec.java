package io.octofleet.agent.jobs;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An Ansible playbook run against this host (connection local) by ansible-runner.
 *
 * @param extraVars values Ansible sees as extra vars: strings, numbers, booleans, lists and maps of those
 * @param vaultPassword the password for vault-encrypted content, if the playbook has any
 */
public record AnsibleSpec(Playbook playbook, Map<String, Object> extraVars, Optional<String> vaultPassword)
        implements JobSpec {

    /** Where the playbook comes from. */
    public sealed interface Playbook permits InlinePlaybook, ProjectPlaybook {
    }

    /** A playbook given as YAML text. */
    public record InlinePlaybook(String yaml) implements Playbook {
        public InlinePlaybook {
            Objects.requireNonNull(yaml, "yaml");
        }
    }

    /**
     * A playbook inside a project directory on this host (an unpacked project archive with roles).
     *
     * @param playbookPath relative to {@code directory}, inside it
     */
    public record ProjectPlaybook(Path directory, String playbookPath) implements Playbook {
        public ProjectPlaybook {
            Objects.requireNonNull(directory, "directory");
            Path relative = Path.of(playbookPath);
            if (relative.isAbsolute() || relative.normalize().startsWith("..") || playbookPath.isBlank()) {
                throw new IllegalArgumentException("playbookPath must be a relative path inside the project: "
                        + playbookPath);
            }
        }
    }

    public AnsibleSpec {
        Objects.requireNonNull(playbook, "playbook");
        // Map.copyOf would reject the null values YAML and JSON allow in extra vars.
        extraVars = Collections.unmodifiableMap(new LinkedHashMap<>(extraVars));
        Objects.requireNonNull(vaultPassword, "vaultPassword");
    }

    /** An inline playbook with no extra vars and no vault password. */
    public static AnsibleSpec inline(String yaml) {
        return new AnsibleSpec(new InlinePlaybook(yaml), Map.of(), Optional.empty());
    }

    @Override
    public String kind() {
        return AnsibleRunnerJobExecutor.KIND;
    }
}
