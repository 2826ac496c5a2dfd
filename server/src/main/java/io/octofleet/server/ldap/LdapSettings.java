package io.octofleet.server.ldap;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How to reach and read one LDAP directory (OpenLDAP-style or Active Directory).
 *
 * @param urls                 {@code ldap://} or {@code ldaps://} URLs, tried in this order (failover, not round robin)
 * @param security             transport security; {@link Security#LDAPS} needs {@code ldaps://} URLs, the others
 *                             {@code ldap://}
 * @param caCertificatePem     when present, the only CA(s) trusted for the directory's certificate; when empty the
 *                             JDK's default trust store is used
 * @param bindDn               the service account that searches users and groups
 * @param bindPassword         its password; never empty (an empty password would be an unauthenticated bind)
 * @param userBaseDn           where users are searched (subtree)
 * @param userFilter           filter with a {@code {username}} placeholder, e.g. {@code (&(objectClass=person)(uid={username}))};
 *                             the username is escaped as an assertion value before it is put in
 * @param groupBaseDn          where groups are searched (subtree)
 * @param groupStyle           how nested group membership is resolved
 * @param usernameAttribute    the login name attribute ({@code sAMAccountName}, {@code uid})
 * @param displayNameAttribute the human name attribute ({@code displayName}, {@code cn})
 * @param mailAttribute        the e-mail attribute ({@code mail})
 * @param connectTimeout       per-server TCP (and TLS) connect timeout
 * @param responseTimeout      per-operation response timeout
 * @param poolSize             most pooled service-account connections
 */
public record LdapSettings(
        List<URI> urls,
        Security security,
        Optional<String> caCertificatePem,
        String bindDn,
        String bindPassword,
        String userBaseDn,
        String userFilter,
        String groupBaseDn,
        GroupStyle groupStyle,
        String usernameAttribute,
        String displayNameAttribute,
        String mailAttribute,
        Duration connectTimeout,
        Duration responseTimeout,
        int poolSize) {

    public enum Security { NONE, LDAPS, STARTTLS }

    public enum GroupStyle {
        /** Transitive membership in one query with the AD matching rule {@value ActiveDirectoryGroupResolver#IN_CHAIN}. */
        ACTIVE_DIRECTORY,
        /** {@code memberOf} on the user, then {@code member}/{@code uniqueMember} searched upwards level by level. */
        OPENLDAP
    }

    static final String USERNAME_PLACEHOLDER = "{username}";
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(10);
    static final int DEFAULT_POOL_SIZE = 4;

    /** @throws IllegalArgumentException naming the first setting that is missing or wrong */
    public LdapSettings {
        urls = List.copyOf(require(urls, "urls"));
        require(security, "security");
        caCertificatePem = require(caCertificatePem, "caCertificatePem");
        require(groupStyle, "groupStyle");
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("urls: at least one ldap:// or ldaps:// URL is needed");
        }
        String scheme = security == Security.LDAPS ? "ldaps" : "ldap";
        for (URI url : urls) {
            if (!"ldap".equalsIgnoreCase(url.getScheme()) && !"ldaps".equalsIgnoreCase(url.getScheme())) {
                throw new IllegalArgumentException("urls: " + url + " is not an ldap:// or ldaps:// URL");
            }
            if (url.getHost() == null) {
                throw new IllegalArgumentException("urls: " + url + " has no host");
            }
            if (!scheme.equalsIgnoreCase(url.getScheme())) {
                throw new IllegalArgumentException("urls: " + url + " does not match security " + security
                        + " (" + security + " needs " + scheme + "://)");
            }
        }
        if (security == Security.NONE && caCertificatePem.isPresent()) {
            throw new IllegalArgumentException("caCertificatePem is set but security is NONE; choose LDAPS or STARTTLS");
        }
        requireDn(bindDn, "bindDn");
        if (bindPassword == null || bindPassword.isEmpty()) {
            throw new IllegalArgumentException("bindPassword: the service account needs a password "
                    + "(an empty one would be an unauthenticated bind)");
        }
        requireDn(userBaseDn, "userBaseDn");
        requireDn(groupBaseDn, "groupBaseDn");
        if (userFilter == null || !userFilter.contains(USERNAME_PLACEHOLDER)) {
            throw new IllegalArgumentException("userFilter: must contain " + USERNAME_PLACEHOLDER);
        }
        try {
            Filter.create(userFilter.replace(USERNAME_PLACEHOLDER, "x"));
        } catch (LDAPException e) {
            throw new IllegalArgumentException("userFilter: " + userFilter + " is not a valid LDAP filter: "
                    + e.getMessage());
        }
        requireName(usernameAttribute, "usernameAttribute");
        requireName(displayNameAttribute, "displayNameAttribute");
        requireName(mailAttribute, "mailAttribute");
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(responseTimeout, "responseTimeout");
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize: must be at least 1, was " + poolSize);
        }
    }

    /**
     * Active Directory defaults: users {@code (&(objectCategory=person)(objectClass=user)(sAMAccountName={username}))}
     * and groups both under {@code baseDn}, nested groups via the in-chain matching rule, {@code displayName},
     * {@code mail}.
     */
    public static LdapSettings activeDirectory(List<URI> urls, Security security, Optional<String> caCertificatePem,
                                               String bindDn, String bindPassword, String baseDn) {
        return new LdapSettings(urls, security, caCertificatePem, bindDn, bindPassword, baseDn,
                "(&(objectCategory=person)(objectClass=user)(sAMAccountName={username}))", baseDn,
                GroupStyle.ACTIVE_DIRECTORY, "sAMAccountName", "displayName", "mail",
                DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, DEFAULT_POOL_SIZE);
    }

    /** OpenLDAP defaults: users {@code (&(objectClass=inetOrgPerson)(uid={username}))}, {@code cn}, {@code mail}. */
    public static LdapSettings openLdap(List<URI> urls, Security security, Optional<String> caCertificatePem,
                                        String bindDn, String bindPassword, String userBaseDn, String groupBaseDn) {
        return new LdapSettings(urls, security, caCertificatePem, bindDn, bindPassword, userBaseDn,
                "(&(objectClass=inetOrgPerson)(uid={username}))", groupBaseDn, GroupStyle.OPENLDAP,
                "uid", "cn", "mail", DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, DEFAULT_POOL_SIZE);
    }

    public LdapSettings withTimeouts(Duration connectTimeout, Duration responseTimeout) {
        return new LdapSettings(urls, security, caCertificatePem, bindDn, bindPassword, userBaseDn, userFilter,
                groupBaseDn, groupStyle, usernameAttribute, displayNameAttribute, mailAttribute, connectTimeout,
                responseTimeout, poolSize);
    }

    public LdapSettings withUrls(List<URI> urls) {
        return new LdapSettings(urls, security, caCertificatePem, bindDn, bindPassword, userBaseDn, userFilter,
                groupBaseDn, groupStyle, usernameAttribute, displayNameAttribute, mailAttribute, connectTimeout,
                responseTimeout, poolSize);
    }

    public LdapSettings withBindPassword(String bindPassword) {
        return new LdapSettings(urls, security, caCertificatePem, bindDn, bindPassword, userBaseDn, userFilter,
                groupBaseDn, groupStyle, usernameAttribute, displayNameAttribute, mailAttribute, connectTimeout,
                responseTimeout, poolSize);
    }

    /**
     * The user filter for {@code username}. The name is escaped as an assertion value ({@code *}, {@code (},
     * {@code )}, {@code \} and NUL become {@code \2a} etc.) before it replaces the placeholder, so it can only ever be
     * compared, never change the filter's structure.
     */
    Filter userFilterFor(String username) {
        try {
            return Filter.create(userFilter.replace(USERNAME_PLACEHOLDER, Filter.encodeValue(username)));
        } catch (LDAPException e) {
            throw new IllegalStateException("user filter became invalid for an escaped value", e);
        }
    }

    /** Never prints the service password. */
    @Override
    public String toString() {
        return "LdapSettings[urls=" + urls + ", security=" + security + ", caCertificatePem="
                + (caCertificatePem.isPresent() ? "(given)" : "(JDK default)") + ", bindDn=" + bindDn
                + ", bindPassword=***, userBaseDn=" + userBaseDn + ", userFilter=" + userFilter + ", groupBaseDn="
                + groupBaseDn + ", groupStyle=" + groupStyle + ", usernameAttribute=" + usernameAttribute
                + ", displayNameAttribute=" + displayNameAttribute + ", mailAttribute=" + mailAttribute
                + ", connectTimeout=" + connectTimeout + ", responseTimeout=" + responseTimeout + ", poolSize="
                + poolSize + "]";
    }

    private static <T> T require(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + ": is required");
        }
        return value;
    }

    private static void requireDn(String dn, String name) {
        if (dn == null || dn.isBlank()) {
            throw new IllegalArgumentException(name + ": is required");
        }
        if (!DN.isValidDN(dn)) {
            throw new IllegalArgumentException(name + ": " + dn + " is not a valid DN");
        }
    }

    private static void requireName(String attribute, String name) {
        if (attribute == null || !attribute.matches("[A-Za-z][A-Za-z0-9-]*|[0-9]+(\\.[0-9]+)+")) {
            throw new IllegalArgumentException(name + ": " + attribute + " is not an attribute name");
        }
    }

    private static void requirePositive(Duration duration, String name) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + ": must be a positive duration, was " + duration);
        }
    }
}
