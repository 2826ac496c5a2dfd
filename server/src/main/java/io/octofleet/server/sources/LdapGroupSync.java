package io.octofleet.server.sources;

import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import io.octofleet.server.ldap.DirectoryUnavailableException;
import io.octofleet.server.ldap.DirectoryUser;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.octofleet.server.db.Tables.OPERATORS;

/**
 * Re-reads the groups of every directory user every {@code octofleet.auth.ldap-sync-interval} (off unless set), so
 * a user removed from a group loses the mapped role without waiting for their next sign-in; a user the directory
 * no longer has loses every mapped role. Manual bindings are never touched. A directory that cannot be asked is
 * skipped until the next round.
 */
@Singleton
@Requires(property = "octofleet.auth.ldap-sync-interval")
public class LdapGroupSync {
    private static final Logger LOG = LoggerFactory.getLogger(LdapGroupSync.class);
    private final AuthSources sources;
    private final ExternalUsers users;
    private final DSLContext dsl;

    LdapGroupSync(AuthSources sources, ExternalUsers users, DSLContext dsl) {
        this.sources = sources;
        this.users = users;
        this.dsl = dsl;
    }

    @Scheduled(fixedDelay = "${octofleet.auth.ldap-sync-interval}", initialDelay = "${octofleet.auth.ldap-sync-interval}")
    public void syncAll() {
        for (AuthSource source : sources.enabled("ldap")) {
            int synced = 0;
            List<String> usernames = dsl.select(OPERATORS.USERNAME).from(OPERATORS)
                    .where(OPERATORS.SOURCE_ID.eq(source.id())).fetch(r -> r.value1());
            try {
                for (String username : usernames) {
                    Optional<DirectoryUser> now = sources.directory(source).lookup(username);
                    dsl.transaction(c -> c.dsl().select(OPERATORS.ID).from(OPERATORS)
                            .where(OPERATORS.SOURCE_ID.eq(source.id())).and(OPERATORS.USERNAME.eq(username))
                            .fetchOptional(r -> r.value1())
                            .ifPresent(id -> users.replaceMappedBindings(c.dsl(), id, source,
                                    now.map(DirectoryUser::groups).orElse(Set.of()))));
                    synced++;
                }
            } catch (DirectoryUnavailableException e) {
                AuthSources.logUnavailable(source, e);
            }
            LOG.info("LDAP group sync of {}: {} of {} user(s) re-evaluated", source.name(), synced, usernames.size());
        }
    }
}
