package io.octofleet.server.jobs;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.nodes.NodeId;

import java.time.Instant;

/**
 * One run as the API shows it: the latest attempt on a node.
 *
 * @param reason why it did not succeed, in words; null when it succeeded or has not ended
 * @param recap an Ansible run's play recap; null otherwise
 * @param outputBytes bytes of output the run produced so far (some may have been dropped from the middle, see
 *     docs/jobs.md)
 */
@Serdeable
public record Run(RunId runId, NodeId nodeId, String hostname, String status, @Nullable Integer exitCode,
                  @Nullable String reason, int attempt, int batch, @Nullable Instant sentAt,
                  @Nullable Instant startedAt, @Nullable Instant finishedAt, long outputBytes,
                  @Nullable PlayRecap recap) {
}
