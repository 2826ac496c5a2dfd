package io.octofleet.server.jobs;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.targeting.Targets;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A job as the API shows it.
 *
 * @param spec the kind's fields (script, playbook, ...)
 * @param counts runs per status (the latest attempt per node), plus {@code total}
 * @param runs the latest attempt per node; null in lists
 */
@Serdeable
public record Job(JobId id, String organization, String name, String kind, String status, String createdBy, Instant createdAt,
                  Instant expiresAt, @Nullable Instant finishedAt, Object spec, Targets targets, int timeoutSeconds,
                  @Nullable Integer maxParallel, @Nullable Integer batchSize, int retries, boolean continueOnFailure,
                  @Nullable String runAs, boolean cancelRequested, @Nullable JobId rerunOf,
                  @Nullable UUID scheduleId, Map<String, Long> counts, @Nullable List<Run> runs) {
}
