package io.octofleet.server.sources;

import io.octofleet.server.auth.DirectorySignIn;
import io.octofleet.server.ldap.DirectoryUnavailableException;
import io.octofleet.server.ldap.DirectoryUser;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Password sign-in through the enabled LDAP sources, in position order: the first directory that accepts the
 * username and password wins. A directory that cannot be asked is skipped (and reported if no other accepts), so
 * one broken directory does not lock out the users of another, and local accounts never depend on any.
 */
@Singleton
final class LdapSignIn implements DirectorySignIn {
    private final AuthSources sources;
    private final ExternalUsers users;

    LdapSignIn(AuthSources sources, ExternalUsers users) {
        this.sources = sources;
        this.users = users;
    }

    @Override
    public Outcome signIn(String username, String password) {
        List<String> unavailable = new ArrayList<>();
        for (AuthSource source : sources.enabled("ldap")) {
            Optional<DirectoryUser> found;
            try {
                found = sources.directory(source).authenticate(username, password.toCharArray());
            } catch (DirectoryUnavailableException | IllegalArgumentException | IllegalStateException e) {
                AuthSources.logUnavailable(source, e);
                unavailable.add(source.name() + ": " + e.getMessage());
                continue;
            }
            if (found.isPresent()) {
                DirectoryUser user = found.get();
                ExternalUsers.Account account = users.signedIn(source, user.dn(), user.username(),
                        user.displayName().orElse(null), user.email().orElse(null), user.groups());
                return new Outcome(account.id(), account.username(), account.disabled(), source.id(), null);
            }
        }
        return Outcome.refused(unavailable.isEmpty() ? null : String.join("; ", unavailable));
    }
}
