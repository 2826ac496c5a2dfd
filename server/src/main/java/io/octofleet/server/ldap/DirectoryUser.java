package io.octofleet.server.ldap;

import java.util.Optional;
import java.util.Set;

/**
 * A user the directory has just authenticated.
 *
 * @param dn          the user's entry DN
 * @param username    the value of the username attribute as the directory spells it (may differ in case from what
 *                    was typed)
 * @param displayName the display-name attribute, if set
 * @param email       the mail attribute, if set
 * @param groups      DNs of every group the user is in, directly or through nested groups, as the directory
 *                    returned them. DNs rather than CNs, because two groups in different OUs may share a CN; map
 *                    them to Octofleet roles by DN.
 */
public record DirectoryUser(String dn, String username, Optional<String> displayName, Optional<String> email,
                            Set<String> groups) {
    public DirectoryUser {
        groups = Set.copyOf(groups);
    }
}
