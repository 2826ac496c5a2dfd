package io.octofleet.server.schedules;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.jobs.JobRequest;

import java.time.Instant;
import java.util.UUID;

/**
 * A recurring job as the API shows it.
 *
 * @param cron five fields: minute hour day-of-month month day-of-week
 * @param job the job request each firing submits; its targets are resolved at each firing
 * @param nextFireAt null while disabled
 * @param lastError why the last firing started no job; null when it did
 */
@Serdeable
public record Schedule(UUID id, String organization, String name, String cron, String timeZone, boolean enabled, JobRequest job,
                       @Nullable Instant nextFireAt, @Nullable Instant lastFiredAt, @Nullable UUID lastJobId,
                       @Nullable String lastError, String createdBy, Instant createdAt) {
}
