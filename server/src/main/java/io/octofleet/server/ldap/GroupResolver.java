package io.octofleet.server.ldap;

import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.SearchResultEntry;

import java.util.Set;

/** Finds every group, direct or nested, that a user belongs to. */
interface GroupResolver {
    /** Attributes the user search must return for {@link #groupsOf}. */
    String[] userAttributes();

    /**
     * @param directory a connection bound as the service account
     * @return group DNs
     * @throws LDAPException when a search fails
     */
    Set<String> groupsOf(LDAPInterface directory, SearchResultEntry user) throws LDAPException;

    static GroupResolver of(LdapSettings settings) {
        switch (settings.groupStyle()) {
            case ACTIVE_DIRECTORY:
                return new ActiveDirectoryGroupResolver(settings.groupBaseDn());
            case OPENLDAP:
                return new MemberAttributeGroupResolver(settings.groupBaseDn());
            default:
                throw new IllegalArgumentException("unknown group style " + settings.groupStyle());
        }
    }
}
