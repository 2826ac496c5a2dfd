package io.octofleet.server.ldap;

import com.unboundid.ldap.sdk.BindResult;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One LDAP or Active Directory source: authenticates users and reads their groups.
 *
 * <p>Searches run on a pool of connections bound as the service account. A user's password is checked by a bind on a
 * fresh connection of its own, so the pool's connections never change identity. Nothing touches the network until the
 * first call; a directory that is down at start-up is reported then, not by the constructor.
 */
public final class LdapDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LdapDirectory.class);
    /** Two are enough to tell "exactly one" from "ambiguous". */
    private static final int USER_SIZE_LIMIT = 2;

    private final LdapSettings settings;
    private final LdapTransport transport;
    private final ServerSet servers;
    private final GroupResolver groups;
    private final LDAPConnectionPool pool;

    /** @throws IllegalArgumentException when the CA certificate cannot be read */
    public LdapDirectory(LdapSettings settings) {
        this.settings = settings;
        this.transport = new LdapTransport(settings);
        this.servers = transport.servers();
        this.groups = GroupResolver.of(settings);
        try {
            // No initial connections, and no failure when none can be made: connections are opened on demand.
            this.pool = new LDAPConnectionPool(servers, serviceBind(), 0, settings.poolSize(), null, false);
        } catch (LDAPException e) {
            throw new IllegalStateException("cannot create LDAP connection pool: " + e.getMessage(), e);
        }
        pool.setConnectionPoolName("ldap " + settings.urls());
        pool.setMaxWaitTimeMillis(settings.connectTimeout().toMillis());
        pool.setRetryFailedOperationsDueToInvalidConnections(true);
    }

    /**
     * Checks {@code username}'s password against the directory.
     *
     * @return the user with their groups, or empty when the user is unknown, ambiguous, or the password is wrong or
     *         empty (which of these is not revealed; an empty password is refused before any bind, because LDAP treats
     *         a simple bind with a DN and no password as an anonymous bind that succeeds)
     * @throws DirectoryUnavailableException when no server answers, TLS fails, the service account is rejected or a
     *                                       search fails
     */
    public Optional<DirectoryUser> authenticate(String username, char[] password) {
        if (username == null || username.isBlank() || password == null || password.length == 0) {
            return Optional.empty();
        }
        Optional<SearchResultEntry> found = findUser(pool, username, "find user");
        if (found.isEmpty()) {
            return Optional.empty();
        }
        SearchResultEntry user = found.get();
        if (!passwordMatches(user.getDN(), password)) {
            return Optional.empty();
        }
        Set<String> groupDns;
        try {
            groupDns = groups.groupsOf(pool, user);
        } catch (LDAPException e) {
            throw unavailable("group search for " + user.getDN(), e);
        }
        return Optional.of(toUser(user, username, groupDns));
    }

    /**
     * The user as the directory has them now, found and read with the service account alone (no password): for a
     * scheduled re-evaluation of group memberships between logins.
     *
     * @return empty when the directory no longer has the user
     * @throws DirectoryUnavailableException as {@link #authenticate}
     */
    public Optional<DirectoryUser> lookup(String username) {
        Optional<SearchResultEntry> found = findUser(pool, username, "find user");
        if (found.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(toUser(found.get(), username, groups.groupsOf(pool, found.get())));
        } catch (LDAPException e) {
            throw unavailable("group search for " + found.get().getDN(), e);
        }
    }

    /**
     * Walks the steps a login takes — connect, service bind, find {@code username}, read its groups — on fresh
     * connections (not the pool), and says which step failed and why. Checks no user password. Never throws for a
     * directory problem; that is what the result reports.
     */
    public Diagnosis diagnose(String username) {
        List<Diagnosis.Step> steps = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        LDAPConnection connection = null;
        URI connected = null;
        for (URI url : settings.urls()) {
            try {
                connection = transport.connect(url);
                connected = url;
                break;
            } catch (LDAPException e) {
                failures.add(url + ": " + LdapTransport.reason(e));
            }
        }
        if (connection == null) {
            steps.add(failed(Diagnosis.Stage.CONNECT, "no server answered; " + String.join("; ", failures)));
            return finish(steps);
        }
        try (LDAPConnection open = connection) {
            steps.add(ok(Diagnosis.Stage.CONNECT, "connected to " + connected
                    + (failures.isEmpty() ? "" : " after " + String.join("; ", failures))));
            try {
                open.bind(serviceBind());
                steps.add(ok(Diagnosis.Stage.BIND, "bound as " + settings.bindDn()));
            } catch (LDAPException e) {
                steps.add(failed(Diagnosis.Stage.BIND, "service account " + settings.bindDn() + " was rejected: "
                        + LdapTransport.reason(e)));
                return finish(steps);
            }
            SearchResultEntry user;
            try {
                SearchResult result = searchUser(open, username);
                if (result.getEntryCount() != 1) {
                    steps.add(failed(Diagnosis.Stage.FIND_USER, result.getEntryCount() == 0
                            ? "no entry under " + settings.userBaseDn() + " matches "
                              + settings.userFilterFor(username)
                            : "more than one entry matches " + settings.userFilterFor(username)
                              + "; the filter must identify one user"));
                    return finish(steps);
                }
                user = result.getSearchEntries().get(0);
                steps.add(ok(Diagnosis.Stage.FIND_USER, "found " + user.getDN()));
            } catch (LDAPException e) {
                if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                    steps.add(failed(Diagnosis.Stage.FIND_USER, "more than one entry matches "
                            + settings.userFilterFor(username) + "; the filter must identify one user"));
                    return finish(steps);
                }
                steps.add(failed(Diagnosis.Stage.FIND_USER, "search under " + settings.userBaseDn() + " failed: "
                        + LdapTransport.reason(e)));
                return finish(steps);
            }
            try {
                Set<String> found = groups.groupsOf(open, user);
                steps.add(ok(Diagnosis.Stage.GROUPS, found.size() + " group(s) under " + settings.groupBaseDn()
                        + (found.isEmpty() ? "" : ": " + String.join(", ", found))));
            } catch (LDAPException e) {
                steps.add(failed(Diagnosis.Stage.GROUPS, "group search under " + settings.groupBaseDn()
                        + " failed: " + LdapTransport.reason(e)));
            }
            return finish(steps);
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    private Optional<SearchResultEntry> findUser(LDAPInterface directory, String username, String step) {
        SearchResult result;
        try {
            result = searchUser(directory, username);
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                LOG.warn("LDAP user filter matches more than one entry for a login attempt; refusing it");
                return Optional.empty();
            }
            throw unavailable(step, e);
        }
        if (result.getEntryCount() != 1) {
            if (result.getEntryCount() > 1) {
                LOG.warn("LDAP user filter matches more than one entry for a login attempt; refusing it");
            }
            return Optional.empty();
        }
        return Optional.of(result.getSearchEntries().get(0));
    }

    private SearchResult searchUser(LDAPInterface directory, String username) throws LDAPException {
        List<String> attributes = new ArrayList<>(List.of(settings.usernameAttribute(),
                settings.displayNameAttribute(), settings.mailAttribute()));
        attributes.addAll(Arrays.asList(groups.userAttributes()));
        SearchRequest request = new SearchRequest(settings.userBaseDn(), SearchScope.SUB,
                settings.userFilterFor(username), attributes.toArray(new String[0]));
        request.setSizeLimit(USER_SIZE_LIMIT);
        return directory.search(request);
    }

    private boolean passwordMatches(String dn, char[] password) {
        byte[] bytes = utf8(password);
        try (LDAPConnection connection = servers.getConnection()) {
            BindResult result = connection.bind(new SimpleBindRequest(dn, bytes));
            return result.getResultCode() == ResultCode.SUCCESS;
        } catch (LDAPException e) {
            if (ResultCode.isConnectionUsable(e.getResultCode())) {
                // Wrong password, locked or expired account, and the like: the server answered "no".
                return false;
            }
            throw unavailable("user bind", e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private SimpleBindRequest serviceBind() {
        return new SimpleBindRequest(settings.bindDn(), settings.bindPassword());
    }

    private DirectoryUser toUser(SearchResultEntry entry, String typed, Set<String> groupDns) {
        String username = Optional.ofNullable(entry.getAttributeValue(settings.usernameAttribute())).orElse(typed);
        return new DirectoryUser(entry.getDN(), username,
                Optional.ofNullable(entry.getAttributeValue(settings.displayNameAttribute())),
                Optional.ofNullable(entry.getAttributeValue(settings.mailAttribute())),
                new LinkedHashSet<>(groupDns));
    }

    private DirectoryUnavailableException unavailable(String step, LDAPException e) {
        return new DirectoryUnavailableException("LDAP " + settings.urls() + ": " + step + " failed: "
                + LdapTransport.reason(e), e);
    }

    private static byte[] utf8(char[] password) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        return bytes;
    }

    private static Diagnosis.Step ok(Diagnosis.Stage stage, String message) {
        return new Diagnosis.Step(stage, Diagnosis.Outcome.OK, message);
    }

    private static Diagnosis.Step failed(Diagnosis.Stage stage, String message) {
        return new Diagnosis.Step(stage, Diagnosis.Outcome.FAILED, message);
    }

    private static Diagnosis finish(List<Diagnosis.Step> steps) {
        for (Diagnosis.Stage stage : Diagnosis.Stage.values()) {
            if (steps.stream().noneMatch(step -> step.stage() == stage)) {
                steps.add(new Diagnosis.Step(stage, Diagnosis.Outcome.SKIPPED, "not tried: an earlier step failed"));
            }
        }
        return new Diagnosis(steps);
    }
}
