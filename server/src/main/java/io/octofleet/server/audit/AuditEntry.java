package io.octofleet.server.audit;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;

/**
 * One line of the audit log, as the API shows it.
 *
 * @param action {@code login}, {@code login_failed}, {@code logout}, or {@code <METHOD> <route>} for a change made
 *     through the API, e.g. {@code POST /api/v1/jobs}
 * @param target the path acted on, or the username a login tried
 * @param organization the organization the entry concerns; null for server-wide ones (logins, users, roles, auth
 *     sources)
 * @param result {@code success} or {@code failure}
 * @param before the changed object before the change, for settings and bindings (null otherwise or on creation)
 * @param after the changed object after the change, for settings and bindings (null otherwise or on deletion)
 */
@Serdeable
public record AuditEntry(long id, Instant at, String actor, String action, @Nullable String target,
                         @Nullable String organization, @Nullable String sourceAddress, String result,
                         @Nullable Integer httpStatus, @Nullable String details, @Nullable JsonNode before,
                         @Nullable JsonNode after) {
}
