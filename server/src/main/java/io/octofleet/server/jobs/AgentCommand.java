package io.octofleet.server.jobs;

import io.micronaut.core.annotation.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** What the job engine asks of an agent over its session; the session turns it into protocol messages. */
public sealed interface AgentCommand {

    /**
     * Run this (RunAssignment). The spec is resolved for the node: Ansible extra vars already merged with the node's
     * parameters, the vault password looked up.
     *
     * @param vaultPassword an Ansible run's vault password; null for none
     */
    record Assign(RunId runId, JobId jobId, int attempt, JobSpec spec, Map<String, String> environment,
                  @Nullable String runAs, Duration timeout, Instant expiresAt, @Nullable String vaultPassword)
            implements AgentCommand {
        public Assign {
            environment = Map.copyOf(environment);
        }
    }

    /** Stop this run and kill its process tree (CancelRun). */
    record Cancel(RunId runId) implements AgentCommand {
    }
}
