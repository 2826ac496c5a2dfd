package io.octofleet.server.legacy;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.SecretTokens;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static io.octofleet.server.db.Tables.LEGACY_KEYS;

/**
 * Legacy agent keys: created per organization, stored as SHA-256 digests (the key has 256 random bits, so a fast
 * hash is right), revoked but never deleted. The Python-era default key is never accepted: keys are only ever made
 * here, and none can be chosen by the caller.
 */
@Singleton
public class LegacyKeys {
    private static final Logger LOG = LoggerFactory.getLogger(LegacyKeys.class);
    static final String PREFIX = "ofl_legacy_";
    /** last_used_at is written at most this often per key, not on every request of a busy fleet. */
    private static final Duration LAST_USED_GRANULARITY = Duration.ofMinutes(1);

    private final DSLContext dsl;
    private final Organizations organizations;
    private final Map<UUID, Instant> lastUsedWritten = new ConcurrentHashMap<>();

    LegacyKeys(DSLContext dsl, Organizations organizations) {
        this.dsl = dsl;
        this.organizations = organizations;
    }

    /** A new key and its secret, which is not stored and cannot be shown again. */
    public record Created(LegacyKey key, String secret) {
    }

    public Created create(OrganizationId organization, @Nullable String name, String createdBy) {
        if (name == null || name.isBlank()) {
            throw ApiException.invalid("name is required: say which agents will use the key, e.g. \"linux-agents\"");
        }
        if (name.length() > 100) {
            throw ApiException.invalid("name is longer than 100 characters");
        }
        UUID id = UUID.randomUUID();
        String secret = SecretTokens.generate(PREFIX);
        dsl.insertInto(LEGACY_KEYS)
                .set(LEGACY_KEYS.ID, id)
                .set(LEGACY_KEYS.ORGANIZATION_ID, organization.value())
                .set(LEGACY_KEYS.NAME, name.strip())
                .set(LEGACY_KEYS.KEY_SHA256, SecretTokens.sha256(secret))
                .set(LEGACY_KEYS.PREFIX, secret.substring(0, PREFIX.length() + 6))
                .set(LEGACY_KEYS.CREATED_BY, createdBy)
                .execute();
        LOG.info("Legacy agent key {} ('{}') created by {} in organization {}", id, name.strip(), createdBy,
                organizations.name(organization));
        return new Created(find(id, DSL.trueCondition()).orElseThrow(), secret);
    }

    /** The keys of the organizations wholly in {@code scope}, newest first, revoked ones included. */
    public List<LegacyKey> list(Operator.Scope scope) {
        return dsl.selectFrom(LEGACY_KEYS)
                .where(scope.wholeOrganizations(LEGACY_KEYS.ORGANIZATION_ID))
                .orderBy(LEGACY_KEYS.CREATED_AT.desc(), LEGACY_KEYS.ID)
                .fetch(this::key);
    }

    /** Revokes the key (at once: its next request gets 401); returns it as it was. @throws ApiException not-found */
    public LegacyKey revoke(UUID id, Operator.Scope scope, String by) {
        Condition inScope = scope.wholeOrganizations(LEGACY_KEYS.ORGANIZATION_ID);
        LegacyKey before = find(id, inScope).orElseThrow(() -> ApiException.notFound("legacy key " + id));
        int revoked = dsl.update(LEGACY_KEYS)
                .set(LEGACY_KEYS.REVOKED_AT, DSL.currentOffsetDateTime())
                .where(LEGACY_KEYS.ID.eq(id)).and(LEGACY_KEYS.REVOKED_AT.isNull())
                .execute();
        if (revoked > 0) {
            LOG.info("Legacy agent key {} revoked by {}", id, by);
        }
        return before;
    }

    /** The caller a key stands for, if it is one of ours and not revoked. */
    Optional<LegacyCaller> authenticate(@Nullable String secret) {
        if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 200) {
            return Optional.empty();
        }
        Optional<LegacyCaller> caller = dsl.select(LEGACY_KEYS.ID, LEGACY_KEYS.ORGANIZATION_ID).from(LEGACY_KEYS)
                .where(LEGACY_KEYS.KEY_SHA256.eq(SecretTokens.sha256(secret)))
                .and(LEGACY_KEYS.REVOKED_AT.isNull())
                .fetchOptional(r -> new LegacyCaller(r.value1(), new OrganizationId(r.value2())));
        caller.ifPresent(c -> touch(c.keyId()));
        return caller;
    }

    private void touch(UUID key) {
        Instant now = Instant.now();
        Instant written = lastUsedWritten.get(key);
        if (written == null || written.plus(LAST_USED_GRANULARITY).isBefore(now)) {
            lastUsedWritten.put(key, now);
            dsl.update(LEGACY_KEYS).set(LEGACY_KEYS.LAST_USED_AT, DSL.currentOffsetDateTime())
                    .where(LEGACY_KEYS.ID.eq(key)).execute();
        }
    }

    private Optional<LegacyKey> find(UUID id, Condition inScope) {
        return dsl.selectFrom(LEGACY_KEYS).where(LEGACY_KEYS.ID.eq(id)).and(inScope).fetchOptional(this::key);
    }

    private LegacyKey key(Record r) {
        OffsetDateTime used = r.get(LEGACY_KEYS.LAST_USED_AT);
        OffsetDateTime revoked = r.get(LEGACY_KEYS.REVOKED_AT);
        return new LegacyKey(r.get(LEGACY_KEYS.ID), organizations.name(r.get(LEGACY_KEYS.ORGANIZATION_ID)),
                r.get(LEGACY_KEYS.NAME), r.get(LEGACY_KEYS.PREFIX), r.get(LEGACY_KEYS.CREATED_BY),
                r.get(LEGACY_KEYS.CREATED_AT).toInstant(), used == null ? null : used.toInstant(),
                revoked == null ? null : revoked.toInstant());
    }
}
