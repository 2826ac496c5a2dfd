package io.octofleet.server.auth;

import io.micronaut.core.annotation.Nullable;

import java.util.UUID;

/**
 * Password sign-in against the directories (LDAP / Active Directory auth sources), tried after local accounts.
 * Implemented where the sources live; the login endpoint only sees the outcome.
 */
public interface DirectorySignIn {
    /**
     * @param user        the signed-in (and just-in-time created or refreshed) user; null when no directory knew
     *                    the username with that password
     * @param unavailable when no directory accepted and at least one could not be asked: why
     */
    record Outcome(@Nullable UUID user, @Nullable String username, boolean disabled, @Nullable UUID sourceId,
                   @Nullable String unavailable) {
        public static Outcome refused(@Nullable String unavailable) {
            return new Outcome(null, null, false, null, unavailable);
        }
    }

    Outcome signIn(String username, String password);
}
