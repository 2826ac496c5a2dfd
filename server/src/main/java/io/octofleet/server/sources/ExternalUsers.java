package io.octofleet.server.sources;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.octofleet.server.db.Tables.GROUP_MAPPINGS;
import static io.octofleet.server.db.Tables.OPERATORS;
import static io.octofleet.server.db.Tables.ROLE_BINDINGS;

/**
 * Users who come from a directory or an SSO provider: created on their first sign-in (just in time), kept up to date
 * at each one, and given exactly the roles their current groups map to. Mapped bindings are replaced as a whole at
 * every sign-in; bindings granted by hand are never touched.
 */
@Singleton
class ExternalUsers {
    private final DSLContext dsl;

    ExternalUsers(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** A signed-in external user: their id, and whether an administrator disabled them. */
    record Account(UUID id, String username, boolean disabled) {
    }

    /**
     * Finds the user of {@code source} known as {@code externalId} (LDAP DN, OIDC subject), or creates them, and
     * refreshes their name and e-mail; then replaces their mapped bindings from {@code groups}.
     *
     * @throws ApiException conflict when the username already belongs to another account (a local user, or a user
     *                      of another source)
     */
    Account signedIn(AuthSource source, String externalId, String username, @Nullable String displayName,
                     @Nullable String email, Collection<String> groups) {
        try {
            return dsl.transactionResult(c -> {
                DSLContext tx = c.dsl();
                Record existing = tx.select(OPERATORS.ID, OPERATORS.DISABLED_AT).from(OPERATORS)
                        .where(OPERATORS.SOURCE_ID.eq(source.id())).and(OPERATORS.EXTERNAL_ID.eq(externalId))
                        .forUpdate().fetchOne();
                UUID id;
                boolean disabled;
                if (existing == null) {
                    id = UUID.randomUUID();
                    disabled = false;
                    tx.insertInto(OPERATORS)
                            .set(OPERATORS.ID, id)
                            .set(OPERATORS.USERNAME, username)
                            .set(OPERATORS.SOURCE_ID, source.id())
                            .set(OPERATORS.EXTERNAL_ID, externalId)
                            .set(OPERATORS.DISPLAY_NAME, displayName == null ? "" : displayName)
                            .set(OPERATORS.EMAIL, email)
                            .execute();
                } else {
                    id = existing.get(OPERATORS.ID);
                    disabled = existing.get(OPERATORS.DISABLED_AT) != null;
                    tx.update(OPERATORS)
                            .set(OPERATORS.USERNAME, username)
                            .set(OPERATORS.DISPLAY_NAME, displayName == null ? "" : displayName)
                            .set(OPERATORS.EMAIL, email)
                            .set(OPERATORS.UPDATED_AT, OffsetDateTime.now())
                            .where(OPERATORS.ID.eq(id)).execute();
                }
                replaceMappedBindings(tx, id, source, groups);
                return new Account(id, username, disabled);
            });
        } catch (IntegrityConstraintViolationException e) {
            throw new ApiException(HttpStatus.CONFLICT, "username-taken", "the username '" + username
                    + "' from " + source.name() + " already belongs to another Octofleet account; an administrator "
                    + "must rename or delete that account first");
        }
    }

    /** The user's mapped bindings become exactly those their {@code groups} map to in {@code source}. */
    void replaceMappedBindings(DSLContext tx, UUID user, AuthSource source, Collection<String> groups) {
        Set<String> keys = matchKeys(groups);
        tx.deleteFrom(ROLE_BINDINGS).where(ROLE_BINDINGS.USER_ID.eq(user)).and(ROLE_BINDINGS.ORIGIN.eq("mapping"))
                .execute();
        if (keys.isEmpty()) {
            return;
        }
        tx.insertInto(ROLE_BINDINGS, ROLE_BINDINGS.ID, ROLE_BINDINGS.USER_ID, ROLE_BINDINGS.ROLE_ID,
                        ROLE_BINDINGS.ORGANIZATION_ID, ROLE_BINDINGS.GROUP_ID, ROLE_BINDINGS.ORIGIN)
                .select(DSL.selectDistinct(DSL.field("gen_random_uuid()", UUID.class), DSL.val(user),
                                GROUP_MAPPINGS.ROLE_ID, GROUP_MAPPINGS.ORGANIZATION_ID, GROUP_MAPPINGS.GROUP_ID,
                                DSL.val("mapping"))
                        .from(GROUP_MAPPINGS)
                        .where(GROUP_MAPPINGS.SOURCE_ID.eq(source.id()))
                        .and(DSL.lower(GROUP_MAPPINGS.EXTERNAL_GROUP).in(keys)))
                .onConflictDoNothing()
                .execute();
    }

    /**
     * What a mapping's {@code group} may be compared with: each group as given (an LDAP DN or a claim value) and,
     * for DNs, the value of their first RDN ({@code cn=ops,ou=groups,…} → {@code ops}); all lower case.
     */
    static Set<String> matchKeys(Collection<String> groups) {
        return groups.stream().flatMap(g -> {
            String lower = g.toLowerCase(Locale.ROOT).strip();
            int eq = lower.indexOf('=');
            int comma = lower.indexOf(',');
            if (eq > 0 && (comma < 0 || eq < comma)) {
                String first = lower.substring(eq + 1, comma < 0 ? lower.length() : comma).strip();
                return List.of(lower, first).stream();
            }
            return List.of(lower).stream();
        }).collect(Collectors.toSet());
    }
}
