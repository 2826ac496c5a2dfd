package io.octofleet.server.ldap;

import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;

import java.util.HashSet;
import java.util.Set;

/**
 * Active Directory resolves nesting itself: {@code LDAP_MATCHING_RULE_IN_CHAIN} on {@code member} matches every group
 * whose member chain reaches the user, in one search.
 */
final class ActiveDirectoryGroupResolver implements GroupResolver {
    static final String IN_CHAIN = "1.2.840.113556.1.4.1941";

    private final String groupBaseDn;

    ActiveDirectoryGroupResolver(String groupBaseDn) {
        this.groupBaseDn = groupBaseDn;
    }

    /** {@code (member:1.2.840.113556.1.4.1941:=<userDn>)}, the DN escaped as an assertion value. */
    static Filter inChainFilter(String userDn) {
        return Filter.createExtensibleMatchFilter("member", IN_CHAIN, false, userDn);
    }

    @Override
    public String[] userAttributes() {
        return new String[0];
    }

    @Override
    public Set<String> groupsOf(LDAPInterface directory, SearchResultEntry user) throws LDAPException {
        SearchRequest request = new SearchRequest(groupBaseDn, SearchScope.SUB, inChainFilter(user.getDN()),
                SearchRequest.NO_ATTRIBUTES);
        SearchResult result = directory.search(request);
        Set<String> groups = new HashSet<>();
        for (SearchResultEntry entry : result.getSearchEntries()) {
            groups.add(entry.getDN());
        }
        return groups;
    }
}
