package io.octofleet.server.auth;

import jakarta.inject.Singleton;
import org.jooq.DSLContext;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

import static io.octofleet.server.db.Tables.OPERATORS;
import static io.octofleet.server.db.Tables.OPERATOR_SESSIONS;

@Singleton
final class OperatorRepository {
    private final DSLContext dsl;

    OperatorRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    record StoredOperator(UUID id, String username, String passwordHash) {
    }

    Optional<StoredOperator> findByUsername(String username) {
        return dsl.select(OPERATORS.ID, OPERATORS.USERNAME, OPERATORS.PASSWORD_HASH)
                .from(OPERATORS)
                .where(OPERATORS.USERNAME.eq(username))
                .fetchOptional(r -> new StoredOperator(r.value1(), r.value2(), r.value3()));
    }

    /** Inserts unless the username exists; returns whether it inserted (safe with several replicas starting at once). */
    boolean insertIfAbsent(String username, String passwordHash) {
        return dsl.insertInto(OPERATORS, OPERATORS.ID, OPERATORS.USERNAME, OPERATORS.PASSWORD_HASH)
                .values(UUID.randomUUID(), username, passwordHash)
                .onConflict(OPERATORS.USERNAME).doNothing()
                .execute() == 1;
    }

    void insertSession(byte[] tokenSha256, UUID operatorId, OffsetDateTime expiresAt) {
        dsl.insertInto(OPERATOR_SESSIONS, OPERATOR_SESSIONS.TOKEN_SHA256, OPERATOR_SESSIONS.OPERATOR_ID,
                        OPERATOR_SESSIONS.EXPIRES_AT)
                .values(tokenSha256, operatorId, expiresAt)
                .execute();
    }

    Optional<Operator> findBySession(byte[] tokenSha256) {
        return dsl.select(OPERATORS.ID, OPERATORS.USERNAME)
                .from(OPERATOR_SESSIONS)
                .join(OPERATORS).on(OPERATORS.ID.eq(OPERATOR_SESSIONS.OPERATOR_ID))
                .where(OPERATOR_SESSIONS.TOKEN_SHA256.eq(tokenSha256))
                .and(OPERATOR_SESSIONS.EXPIRES_AT.gt(OffsetDateTime.now()))
                .fetchOptional(r -> new Operator(r.value1(), r.value2()));
    }

    void deleteSession(byte[] tokenSha256) {
        dsl.deleteFrom(OPERATOR_SESSIONS).where(OPERATOR_SESSIONS.TOKEN_SHA256.eq(tokenSha256)).execute();
    }

    int deleteExpiredSessions() {
        return dsl.deleteFrom(OPERATOR_SESSIONS).where(OPERATOR_SESSIONS.EXPIRES_AT.lt(OffsetDateTime.now())).execute();
    }
}
