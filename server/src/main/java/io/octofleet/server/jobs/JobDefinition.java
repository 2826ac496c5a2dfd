package io.octofleet.server.jobs;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.targeting.Targets;

import java.time.Duration;

/**
 * A validated job, ready to start.
 *
 * @param maxParallel at most this many runs sent or running at once; null for no limit
 * @param batchSize runs go in batches of this many nodes, each batch after the previous one ended; null for one batch
 * @param retries how many more attempts a failed or timed-out run gets
 * @param runAs the user the agent runs the job as; null for the agent's own
 * @param expiresIn runs not taken by their agent within this time end unreachable
 */
public record JobDefinition(String name, JobSpec spec, Targets targets, Duration timeout, @Nullable Integer maxParallel,
                            @Nullable Integer batchSize, int retries, boolean continueOnFailure,
                            @Nullable String runAs, Duration expiresIn) {
}
