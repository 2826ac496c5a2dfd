package io.octofleet.server.ldap;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * OpenLDAP-style directories have no transitive matching rule, so nesting is walked upwards: the user's direct groups
 * ({@code memberOf} when the overlay provides it, and groups listing the user in {@code member} or
 * {@code uniqueMember}), then the groups listing those, one search per level. Groups already seen are not searched
 * again (cycles end), and the walk stops after {@link #MAX_DEPTH} levels so a pathological tree cannot run forever.
 */
final class MemberAttributeGroupResolver implements GroupResolver {
    static final int MAX_DEPTH = 16;

    private final String groupBaseDn;

    MemberAttributeGroupResolver(String groupBaseDn) {
        this.groupBaseDn = groupBaseDn;
    }

    @Override
    public String[] userAttributes() {
        return new String[]{"memberOf"};
    }

    @Override
    public Set<String> groupsOf(LDAPInterface directory, SearchResultEntry user) throws LDAPException {
        DN base = new DN(groupBaseDn);
        Set<DN> seen = new HashSet<>();
        Set<String> groups = new HashSet<>();
        List<DN> level = new ArrayList<>();
        String[] memberOf = user.getAttributeValues("memberOf");
        if (memberOf != null) {
            for (String value : memberOf) {
                DN dn = new DN(value);
                if (dn.isDescendantOf(base, true) && seen.add(dn)) {
                    groups.add(value);
                    level.add(dn);
                }
            }
        }
        List<DN> members = new ArrayList<>(level);
        members.add(new DN(user.getDN()));
        for (int depth = 0; depth < MAX_DEPTH && !members.isEmpty(); depth++) {
            List<DN> next = new ArrayList<>();
            for (SearchResultEntry group : directory.search(new SearchRequest(groupBaseDn, SearchScope.SUB,
                    anyMember(members), SearchRequest.NO_ATTRIBUTES)).getSearchEntries()) {
                DN dn = group.getParsedDN();
                if (seen.add(dn)) {
                    groups.add(group.getDN());
                    next.add(dn);
                }
            }
            members = next;
        }
        return groups;
    }

    private static Filter anyMember(List<DN> members) {
        List<Filter> alternatives = new ArrayList<>();
        for (DN member : members) {
            alternatives.add(Filter.createEqualityFilter("member", member.toString()));
            alternatives.add(Filter.createEqualityFilter("uniqueMember", member.toString()));
        }
        return Filter.createORFilter(alternatives);
    }
}
