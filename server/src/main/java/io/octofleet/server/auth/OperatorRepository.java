package io.octofleet.server.auth;

import io.octofleet.server.organizations.OrganizationId;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;

import java.time.OffsetDateTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static io.octofleet.server.db.Tables.OPERATORS;
import static io.octofleet.server.db.Tables.OPERATOR_SESSIONS;
import static io.octofleet.server.db.Tables.ROLES;
import static io.octofleet.server.db.Tables.ROLE_BINDINGS;

@Singleton
public final class OperatorRepository {
    private final DSLContext dsl;

    OperatorRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** An account as the login sees it: passwordHash null for service accounts and directory/SSO users. */
    record StoredOperator(UUID id, String username, String passwordHash, boolean disabled) {
    }

    Optional<StoredOperator> findByUsername(String username) {
        return dsl.select(OPERATORS.ID, OPERATORS.USERNAME, OPERATORS.PASSWORD_HASH, OPERATORS.DISABLED_AT)
                .from(OPERATORS)
                .where(OPERATORS.USERNAME.eq(username))
                .fetchOptional(r -> new StoredOperator(r.value1(), r.value2(), r.value3(), r.value4() != null));
    }

    /** Inserts unless the username exists; returns the new id (safe with several replicas starting at once). */
    Optional<UUID> insertIfAbsent(String username, String passwordHash) {
        UUID id = UUID.randomUUID();
        boolean inserted = dsl.insertInto(OPERATORS, OPERATORS.ID, OPERATORS.USERNAME, OPERATORS.PASSWORD_HASH)
                .values(id, username, passwordHash)
                .onConflict(OPERATORS.USERNAME).doNothing()
                .execute() == 1;
        return inserted ? Optional.of(id) : Optional.empty();
    }

    /** Grants a role by hand (origin 'manual'); does nothing if the user already has exactly this binding. */
    public void bindManually(UUID userId, UUID roleId, OrganizationId organization, UUID groupId) {
        dsl.insertInto(ROLE_BINDINGS, ROLE_BINDINGS.ID, ROLE_BINDINGS.USER_ID, ROLE_BINDINGS.ROLE_ID,
                        ROLE_BINDINGS.ORGANIZATION_ID, ROLE_BINDINGS.GROUP_ID, ROLE_BINDINGS.ORIGIN)
                .values(UUID.randomUUID(), userId, roleId, organization == null ? null : organization.value(), groupId,
                        "manual")
                .onConflictDoNothing()
                .execute();
    }

    /** A login session; sourceId and idToken are set for OIDC logins so a logout can end the provider's session. */
    public void insertSession(byte[] tokenSha256, UUID operatorId, OffsetDateTime expiresAt, UUID sourceId,
                              String idToken) {
        dsl.insertInto(OPERATOR_SESSIONS, OPERATOR_SESSIONS.TOKEN_SHA256, OPERATOR_SESSIONS.OPERATOR_ID,
                        OPERATOR_SESSIONS.EXPIRES_AT, OPERATOR_SESSIONS.SOURCE_ID, OPERATOR_SESSIONS.ID_TOKEN)
                .values(tokenSha256, operatorId, expiresAt, sourceId, idToken)
                .execute();
        dsl.update(OPERATORS).set(OPERATORS.LAST_LOGIN_AT, OffsetDateTime.now())
                .where(OPERATORS.ID.eq(operatorId)).execute();
    }

    /** The operator a live session belongs to, unless the user has been disabled since. */
    Optional<Operator> findBySession(byte[] tokenSha256) {
        return dsl.select(OPERATORS.ID, OPERATORS.USERNAME)
                .from(OPERATOR_SESSIONS)
                .join(OPERATORS).on(OPERATORS.ID.eq(OPERATOR_SESSIONS.OPERATOR_ID))
                .where(OPERATOR_SESSIONS.TOKEN_SHA256.eq(tokenSha256))
                .and(OPERATOR_SESSIONS.EXPIRES_AT.gt(OffsetDateTime.now()))
                .and(OPERATORS.DISABLED_AT.isNull())
                .fetchOptional(r -> new Operator(r.value1(), r.value2(), grants(r.value1())));
    }

    /** The username of the user, unless they are disabled or gone. */
    public Optional<String> enabledUser(UUID userId) {
        return dsl.select(OPERATORS.USERNAME).from(OPERATORS).where(OPERATORS.ID.eq(userId))
                .and(OPERATORS.DISABLED_AT.isNull()).fetchOptional(r -> r.value1());
    }

    /** All the user's role bindings as grants (manual and mapped alike). */
    public List<Operator.Grant> grants(UUID userId) {
        return dsl.select(ROLE_BINDINGS.ORGANIZATION_ID, ROLE_BINDINGS.GROUP_ID, ROLES.PERMISSIONS)
                .from(ROLE_BINDINGS)
                .join(ROLES).on(ROLES.ID.eq(ROLE_BINDINGS.ROLE_ID))
                .where(ROLE_BINDINGS.USER_ID.eq(userId))
                .fetch(r -> {
                    Set<Permission> permissions = EnumSet.noneOf(Permission.class);
                    for (String code : r.value3()) {
                        Permission.parse(code).ifPresent(permissions::add);
                    }
                    if (r.value2() != null) {
                        permissions.retainAll(Permission.NODE_SCOPED);
                    }
                    return new Operator.Grant(r.value1() == null ? null : new OrganizationId(r.value1()), r.value2(),
                            permissions);
                });
    }

    /** Deletes the session; returns the auth source it was opened through, if any. */
    Optional<UUID> deleteSessionReturningSource(byte[] tokenSha256) {
        return dsl.deleteFrom(OPERATOR_SESSIONS).where(OPERATOR_SESSIONS.TOKEN_SHA256.eq(tokenSha256))
                .returning(OPERATOR_SESSIONS.SOURCE_ID).fetchOptional()
                .map(r -> r.getSourceId());
    }

    /** Ends every session of a user (disabled, deleted, password changed). */
    public int deleteSessionsOf(UUID userId) {
        return dsl.deleteFrom(OPERATOR_SESSIONS).where(OPERATOR_SESSIONS.OPERATOR_ID.eq(userId)).execute();
    }

    int deleteExpiredSessions() {
        return dsl.deleteFrom(OPERATOR_SESSIONS).where(OPERATOR_SESSIONS.EXPIRES_AT.lt(OffsetDateTime.now())).execute();
    }
}
