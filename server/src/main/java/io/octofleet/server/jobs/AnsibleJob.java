package io.octofleet.server.jobs;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An Ansible playbook run by ansible-runner: on each target's agent against its own host (connection local), or in
 * {@code direct} mode by the server itself over SSH for hosts without an agent.
 *
 * @param playbook inline YAML; null when the playbook comes in {@code projectArchive}
 * @param projectArchive a base64 .tar.gz project with roles; null for an inline playbook
 * @param playbookPath the playbook inside the project archive
 * @param extraVars merged over the node's inherited parameters (these win)
 * @param vaultPasswordParameter the secret parameter holding the vault password, looked up per node; null for none
 * @param mode {@code agent} or {@code direct}
 */
@Serdeable
public record AnsibleJob(@Nullable String playbook, @Nullable String projectArchive, @Nullable String playbookPath,
                         Map<String, Object> extraVars, @Nullable String vaultPasswordParameter, String mode)
        implements JobSpec {
    public static final String KIND = "ansible";
    public static final String AGENT_MODE = "agent";
    public static final String DIRECT_MODE = "direct";

    public AnsibleJob {
        // Map.copyOf would refuse the null values JSON allows in extra vars.
        extraVars = Collections.unmodifiableMap(new LinkedHashMap<>(extraVars == null ? Map.of() : extraVars));
    }

    @Override
    public String kind() {
        return KIND;
    }

    public boolean direct() {
        return DIRECT_MODE.equals(mode);
    }
}
