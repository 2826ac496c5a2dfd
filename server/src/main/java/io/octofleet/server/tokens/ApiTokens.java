package io.octofleet.server.tokens;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.auth.BearerAuthenticator;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.OperatorRepository;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.SecretTokens;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static io.octofleet.server.db.Tables.API_TOKENS;
import static io.octofleet.server.db.Tables.OPERATORS;

/**
 * API tokens for automation ({@code ofa_…}): scoped to a subset of the owner's permissions (and optionally to one
 * organization), expiring, stored as SHA-256 only, revocable. A token is worth what its owner holds <em>now</em>
 * intersected with its scope, so taking a role from the owner takes it from their tokens too.
 */
@Singleton
public class ApiTokens implements BearerAuthenticator {
    static final String PREFIX = "ofa_";
    static final Duration DEFAULT_LIFETIME = Duration.ofDays(90);
    /** Writing last-used at most this often per token keeps a busy token from writing on every request. */
    static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);

    private final DSLContext dsl;
    private final OperatorRepository operators;
    private final Organizations organizations;
    private final Duration maxLifetime;
    private final Map<UUID, Instant> lastUsedWritten = new ConcurrentHashMap<>();

    ApiTokens(DSLContext dsl, OperatorRepository operators, Organizations organizations,
              @Value("${octofleet.auth.api-token-max-lifetime:365d}") Duration maxLifetime) {
        this.dsl = dsl;
        this.operators = operators;
        this.organizations = organizations;
        this.maxLifetime = maxLifetime;
    }

    /** A new token and its secret; the secret exists only in this return value. */
    public record Created(ApiToken token, String secret) {
    }

    @Override
    public boolean accepts(String token) {
        return token.startsWith(PREFIX);
    }

    @Override
    public Optional<Operator> authenticate(String token, HttpRequest<?> request) {
        Record r = dsl.select(API_TOKENS.ID, API_TOKENS.PERMISSIONS, API_TOKENS.ORGANIZATION_ID, OPERATORS.ID,
                        OPERATORS.USERNAME)
                .from(API_TOKENS).join(OPERATORS).on(OPERATORS.ID.eq(API_TOKENS.USER_ID))
                .where(API_TOKENS.TOKEN_SHA256.eq(SecretTokens.sha256(token)))
                .and(API_TOKENS.REVOKED_AT.isNull())
                .and(API_TOKENS.EXPIRES_AT.gt(DSL.currentOffsetDateTime()))
                .and(OPERATORS.DISABLED_AT.isNull())
                .fetchOne();
        if (r == null) {
            return Optional.empty();
        }
        UUID tokenId = r.get(API_TOKENS.ID);
        recordUse(tokenId, AuditLog.sourceAddress(request));
        Set<Permission> scope = parse(List.of(r.get(API_TOKENS.PERMISSIONS)));
        UUID onlyOrganization = r.get(API_TOKENS.ORGANIZATION_ID);
        List<Operator.Grant> grants = new ArrayList<>();
        for (Operator.Grant g : operators.grants(r.get(OPERATORS.ID))) {
            Set<Permission> kept = EnumSet.noneOf(Permission.class);
            kept.addAll(g.permissions());
            kept.retainAll(scope);
            if (kept.isEmpty()) {
                continue;
            }
            if (onlyOrganization == null) {
                grants.add(new Operator.Grant(g.organization(), g.groupId(), kept));
            } else if (g.organization() == null || g.organization().value().equals(onlyOrganization)) {
                grants.add(new Operator.Grant(new OrganizationId(onlyOrganization), g.groupId(), kept));
            }
        }
        return Optional.of(new Operator(r.get(OPERATORS.ID), r.get(OPERATORS.USERNAME), grants));
    }

    private void recordUse(UUID tokenId, String from) {
        Instant now = Instant.now();
        Instant written = lastUsedWritten.get(tokenId);
        if (written != null && written.isAfter(now.minus(LAST_USED_RESOLUTION))) {
            return;
        }
        lastUsedWritten.put(tokenId, now);
        dsl.update(API_TOKENS).set(API_TOKENS.LAST_USED_AT, now.atOffset(ZoneOffset.UTC))
                .set(API_TOKENS.LAST_USED_FROM, from).where(API_TOKENS.ID.eq(tokenId)).execute();
    }

    /**
     * Creates a token of {@code owner} limited to {@code permissions} (which {@code caller} must hold where the
     * token reaches) and, optionally, to one organization.
     */
    Created create(Operator caller, UUID owner, @Nullable String name, @Nullable List<String> permissions,
                   @Nullable String organization, @Nullable String expiresIn, @Nullable String expiresAt) {
        String label = name == null ? "" : name.strip();
        if (label.isEmpty() || label.length() > 200) {
            throw ApiException.invalid("name is required (1-200 characters): what the token is for");
        }
        if (permissions == null || permissions.isEmpty()) {
            throw ApiException.invalid("permissions is required: the scope of the token, e.g. [\"nodes:read\"]");
        }
        Set<Permission> scope = parse(permissions);
        OrganizationId org = null;
        if (organization != null && !organization.isBlank()) {
            org = organizations.byName(organization).filter(caller::sees)
                    .orElseThrow(() -> ApiException.notFound("organization '" + organization + "'"));
        }
        for (Permission p : scope) {
            boolean held = org == null ? caller.holdsAnywhere(p)
                    : caller.scope(p).touches(org);
            if (!held) {
                throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", "a token cannot carry " + p
                        + (org == null ? "" : " in '" + organization + "'") + ": you do not hold it there");
            }
        }
        OffsetDateTime expiry = expiry(expiresIn, expiresAt);
        UUID id = UUID.randomUUID();
        String secret = SecretTokens.generate(PREFIX);
        dsl.insertInto(API_TOKENS)
                .set(API_TOKENS.ID, id)
                .set(API_TOKENS.USER_ID, owner)
                .set(API_TOKENS.NAME, label)
                .set(API_TOKENS.TOKEN_SHA256, SecretTokens.sha256(secret))
                .set(API_TOKENS.PERMISSIONS, scope.stream().map(Permission::code).toArray(String[]::new))
                .set(API_TOKENS.ORGANIZATION_ID, org == null ? null : org.value())
                .set(API_TOKENS.CREATED_BY, caller.username())
                .set(API_TOKENS.EXPIRES_AT, expiry)
                .execute();
        return new Created(find(id).orElseThrow(), secret);
    }

    List<ApiToken> list(UUID owner) {
        return dsl.select(API_TOKENS.asterisk(), OPERATORS.USERNAME).from(API_TOKENS)
                .join(OPERATORS).on(OPERATORS.ID.eq(API_TOKENS.USER_ID))
                .where(API_TOKENS.USER_ID.eq(owner))
                .orderBy(API_TOKENS.CREATED_AT.desc()).fetch(this::view);
    }

    Optional<ApiToken> find(UUID id) {
        return dsl.select(API_TOKENS.asterisk(), OPERATORS.USERNAME).from(API_TOKENS)
                .join(OPERATORS).on(OPERATORS.ID.eq(API_TOKENS.USER_ID))
                .where(API_TOKENS.ID.eq(id)).fetchOptional(this::view);
    }

    /** Revokes the owner's token (again: no change). @throws ApiException not-found when {@code owner} has no such token */
    ApiToken revoke(UUID owner, UUID id) {
        if (!dsl.fetchExists(API_TOKENS, API_TOKENS.ID.eq(id).and(API_TOKENS.USER_ID.eq(owner)))) {
            throw ApiException.notFound("API token " + id);
        }
        dsl.update(API_TOKENS).set(API_TOKENS.REVOKED_AT, DSL.currentOffsetDateTime())
                .where(API_TOKENS.ID.eq(id)).and(API_TOKENS.REVOKED_AT.isNull())
                .execute();
        return find(id).orElseThrow();
    }

    private OffsetDateTime expiry(@Nullable String expiresIn, @Nullable String expiresAt) {
        Instant now = Instant.now();
        Instant at;
        if (expiresIn != null && expiresAt != null) {
            throw ApiException.invalid("give expiresIn or expiresAt, not both");
        } else if (expiresAt != null) {
            try {
                at = Instant.parse(expiresAt);
            } catch (DateTimeParseException e) {
                throw ApiException.invalid("expiresAt must be an ISO-8601 instant such as 2027-01-31T00:00:00Z");
            }
        } else if (expiresIn != null) {
            try {
                at = now.plus(Duration.parse(expiresIn));
            } catch (DateTimeParseException e) {
                throw ApiException.invalid("expiresIn must be an ISO-8601 duration such as P30D or PT12H, got '"
                        + expiresIn + "'");
            }
        } else {
            at = now.plus(DEFAULT_LIFETIME.compareTo(maxLifetime) < 0 ? DEFAULT_LIFETIME : maxLifetime);
        }
        if (!at.isAfter(now)) {
            throw ApiException.invalid("the expiry must be in the future");
        }
        if (at.isAfter(now.plus(maxLifetime).plusSeconds(60))) {
            throw ApiException.invalid("a token may live at most " + maxLifetime.toDays() + " days "
                    + "(octofleet.auth.api-token-max-lifetime)");
        }
        return at.atOffset(ZoneOffset.UTC);
    }

    private static Set<Permission> parse(List<String> codes) {
        Set<Permission> parsed = EnumSet.noneOf(Permission.class);
        for (String code : codes) {
            parsed.add(Permission.parse(code == null ? "" : code)
                    .orElseThrow(() -> ApiException.invalid("unknown permission '" + code + "'")));
        }
        return parsed;
    }

    private ApiToken view(Record r) {
        var t = r.into(API_TOKENS);
        return new ApiToken(t.getId(), t.getName(), r.get(OPERATORS.USERNAME), List.of(t.getPermissions()),
                t.getOrganizationId() == null ? null : organizations.name(t.getOrganizationId()), t.getCreatedBy(),
                t.getCreatedAt().toInstant(), t.getExpiresAt().toInstant(),
                t.getLastUsedAt() == null ? null : t.getLastUsedAt().toInstant(), t.getLastUsedFrom(),
                t.getRevokedAt() == null ? null : t.getRevokedAt().toInstant());
    }
}
