package io.octofleet.server.enrollment;

import io.octofleet.server.db.tables.records.EnrollmentTokensRecord;
import jakarta.inject.Singleton;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import org.jooq.Condition;
import org.jooq.DSLContext;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static io.octofleet.server.db.Tables.ENROLLMENT_ATTEMPTS;
import static io.octofleet.server.db.Tables.ENROLLMENT_TOKENS;

@Singleton
final class EnrollmentTokenRepository {
    private final DSLContext dsl;

    EnrollmentTokenRepository(DSLContext dsl, Organizations organizations) {
        this.dsl = dsl;
        this.organizations = organizations;
    }

    private final Organizations organizations;

    void insert(UUID id, OrganizationId organization, byte[] tokenSha256, String createdBy, OffsetDateTime expiresAt,
                int maxUses) {
        dsl.insertInto(ENROLLMENT_TOKENS)
                .set(ENROLLMENT_TOKENS.ID, id)
                .set(ENROLLMENT_TOKENS.ORGANIZATION_ID, organization.value())
                .set(ENROLLMENT_TOKENS.TOKEN_SHA256, tokenSha256)
                .set(ENROLLMENT_TOKENS.CREATED_BY, createdBy)
                .set(ENROLLMENT_TOKENS.EXPIRES_AT, expiresAt)
                .set(ENROLLMENT_TOKENS.MAX_USES, maxUses)
                .execute();
    }

    /** The token if it is in {@code scope} (a condition on the organization column). */
    Optional<EnrollmentToken> find(UUID id, Condition scope) {
        return dsl.selectFrom(ENROLLMENT_TOKENS).where(ENROLLMENT_TOKENS.ID.eq(id)).and(scope)
                .fetchOptional(this::toToken);
    }

    List<EnrollmentToken> list(Condition scope) {
        return dsl.selectFrom(ENROLLMENT_TOKENS).where(scope).orderBy(ENROLLMENT_TOKENS.CREATED_AT.desc())
                .fetch(this::toToken);
    }

    boolean revoke(UUID id, Condition scope) {
        return dsl.update(ENROLLMENT_TOKENS)
                .set(ENROLLMENT_TOKENS.REVOKED_AT, OffsetDateTime.now(ZoneOffset.UTC))
                .where(ENROLLMENT_TOKENS.ID.eq(id)).and(scope)
                .and(ENROLLMENT_TOKENS.REVOKED_AT.isNull())
                .execute() == 1;
    }

    /**
     * Uses the token once if it is usable, atomically: two agents racing for a single-use token cannot both win,
     * because the check and the increment are one UPDATE. Returns the token id and its organization when it was
     * consumed.
     */
    Optional<Consumed> consume(DSLContext tx, byte[] tokenSha256) {
        return tx.update(ENROLLMENT_TOKENS)
                .set(ENROLLMENT_TOKENS.USES, ENROLLMENT_TOKENS.USES.plus(1))
                .where(ENROLLMENT_TOKENS.TOKEN_SHA256.eq(tokenSha256))
                .and(ENROLLMENT_TOKENS.REVOKED_AT.isNull())
                .and(ENROLLMENT_TOKENS.EXPIRES_AT.gt(OffsetDateTime.now(ZoneOffset.UTC)))
                .and(ENROLLMENT_TOKENS.USES.lt(ENROLLMENT_TOKENS.MAX_USES))
                .returning(ENROLLMENT_TOKENS.ID, ENROLLMENT_TOKENS.ORGANIZATION_ID)
                .fetchOptional(r -> new Consumed(r.getId(), new OrganizationId(r.getOrganizationId())));
    }

    record Consumed(UUID tokenId, OrganizationId organization) {
    }

    OrganizationId organization(UUID id) {
        return new OrganizationId(dsl.select(ENROLLMENT_TOKENS.ORGANIZATION_ID).from(ENROLLMENT_TOKENS)
                .where(ENROLLMENT_TOKENS.ID.eq(id)).fetchSingle().value1());
    }

    /** After a failed consume: what is wrong with the token (or that it does not exist). */
    Refused whyRefused(byte[] tokenSha256) {
        EnrollmentTokensRecord token = dsl.selectFrom(ENROLLMENT_TOKENS)
                .where(ENROLLMENT_TOKENS.TOKEN_SHA256.eq(tokenSha256))
                .fetchOne();
        if (token == null) {
            return new Refused(null, TokenRefusal.UNKNOWN);
        }
        TokenRefusal reason = TokenRules.refusal(token.getRevokedAt() != null,
                token.getExpiresAt().toInstant(), token.getUses(), token.getMaxUses(), Instant.now());
        // consume() failed, so something is wrong even if the clock moved between the two statements
        return new Refused(token.getId(), reason == null ? TokenRefusal.USED_UP : reason);
    }

    record Refused(UUID tokenId, TokenRefusal reason) {
    }

    void logAttempt(UUID tokenId, UUID nodeId, String hostname, String remoteAddress, boolean accepted, String reason) {
        dsl.insertInto(ENROLLMENT_ATTEMPTS)
                .set(ENROLLMENT_ATTEMPTS.TOKEN_ID, tokenId)
                .set(ENROLLMENT_ATTEMPTS.NODE_ID, nodeId)
                .set(ENROLLMENT_ATTEMPTS.HOSTNAME, hostname)
                .set(ENROLLMENT_ATTEMPTS.REMOTE_ADDRESS, remoteAddress)
                .set(ENROLLMENT_ATTEMPTS.OUTCOME, accepted ? "accepted" : "refused")
                .set(ENROLLMENT_ATTEMPTS.REASON, reason)
                .execute();
    }

    private EnrollmentToken toToken(EnrollmentTokensRecord r) {
        Instant revokedAt = r.getRevokedAt() == null ? null : r.getRevokedAt().toInstant();
        TokenRefusal refusal = TokenRules.refusal(revokedAt != null, r.getExpiresAt().toInstant(), r.getUses(),
                r.getMaxUses(), Instant.now());
        String state = refusal == null ? "active" : switch (refusal) {
            case EXPIRED -> "expired";
            case USED_UP -> "used";
            case REVOKED -> "revoked";
            case UNKNOWN -> "unknown";
        };
        return new EnrollmentToken(r.getId(), organizations.name(r.getOrganizationId()), r.getCreatedAt().toInstant(),
                r.getCreatedBy(),
                r.getExpiresAt().toInstant(), r.getMaxUses(), r.getUses(), revokedAt, state);
    }
}
