package io.octofleet.server.enrollment;

import io.octofleet.server.auth.Operator;
import io.octofleet.server.organizations.OrganizationId;
import org.jooq.Condition;
import org.jooq.impl.DSL;

import static io.octofleet.server.db.Tables.ENROLLMENT_TOKENS;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.auth.SecretTokens;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

@Singleton
public final class EnrollmentTokenService {
    private static final Logger LOG = LoggerFactory.getLogger(EnrollmentTokenService.class);
    static final String TOKEN_PREFIX = "oft_";
    private final EnrollmentTokenRepository repository;

    EnrollmentTokenService(EnrollmentTokenRepository repository) {
        this.repository = repository;
    }

    /** A new token and its secret; the secret exists only in this return value (the database keeps a hash). */
    public record CreatedToken(EnrollmentToken token, String secret) {
    }

    public CreatedToken create(OrganizationId organization, @Nullable Long ttlSeconds, @Nullable Integer maxUses,
                               String createdBy) {
        String invalid = TokenRules.invalid(ttlSeconds, maxUses);
        if (invalid != null) {
            throw ApiException.invalid(invalid);
        }
        Duration ttl = ttlSeconds == null ? TokenRules.DEFAULT_TTL : Duration.ofSeconds(ttlSeconds);
        int uses = maxUses == null ? TokenRules.DEFAULT_MAX_USES : maxUses;
        UUID id = UUID.randomUUID();
        String secret = TOKEN_PREFIX + SecretTokens.generate("").substring(0, 40);
        repository.insert(id, organization, SecretTokens.sha256(secret), createdBy,
                OffsetDateTime.now(ZoneOffset.UTC).plus(ttl), uses);
        LOG.info("Enrollment token {} created by {} (ttl {}, max uses {})", id, createdBy, ttl, uses);
        return new CreatedToken(repository.find(id, DSL.trueCondition()).orElseThrow(), secret);
    }

    /** The tokens of the organizations in {@code scope}. */
    public List<EnrollmentToken> list(Operator.Scope scope) {
        return repository.list(scope.wholeOrganizations(ENROLLMENT_TOKENS.ORGANIZATION_ID));
    }

    /** Revokes the token if it is in {@code scope}; returns its organization. @throws ApiException not-found */
    public OrganizationId revoke(UUID id, Operator.Scope scope, String by) {
        Condition inScope = scope.wholeOrganizations(ENROLLMENT_TOKENS.ORGANIZATION_ID);
        EnrollmentToken token = repository.find(id, inScope)
                .orElseThrow(() -> ApiException.notFound("enrollment token " + id));
        if (repository.revoke(id, inScope)) {
            LOG.info("Enrollment token {} revoked by {}", id, by);
        }
        return repository.organization(id);
    }
}
