package io.octofleet.server.ldap;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LdapSettingsTest {
    private static final List<URI> LDAP = List.of(URI.create("ldap://dc1.example.org"));

    @Test
    void activeDirectory_defaultsToSamAccountNameAndTheInChainRule() {
        LdapSettings settings = LdapSettings.activeDirectory(LDAP, LdapSettings.Security.STARTTLS, Optional.empty(),
                "cn=svc,dc=example,dc=org", "secret", "dc=example,dc=org");

        assertThat(settings.usernameAttribute()).isEqualTo("sAMAccountName");
        assertThat(settings.groupStyle()).isEqualTo(LdapSettings.GroupStyle.ACTIVE_DIRECTORY);
        assertThat(settings.userFilterFor("jdoe").toString())
                .isEqualTo("(&(objectCategory=person)(objectClass=user)(sAMAccountName=jdoe))");
        assertThat(settings.toString()).doesNotContain("secret");
    }

    @Test
    void userFilter_escapesTheUsernameSoItCannotChangeTheFilter() {
        LdapSettings settings = openLdap(LDAP, LdapSettings.Security.NONE);

        assertThat(settings.userFilterFor("*)(uid=*").toString())
                .isEqualTo("(&(objectClass=inetOrgPerson)(uid=\\2a\\29\\28uid=\\2a))");
    }

    @Test
    void activeDirectoryGroupQuery_usesTheInChainMatchingRuleOnMember() {
        // The in-chain rule is an Active Directory feature that InMemoryDirectoryServer is not relied on to implement,
        // so the AD path is checked here at the query level only; it needs a real AD to be tested end to end.
        assertThat(ActiveDirectoryGroupResolver.inChainFilter("CN=J\\, Doe,OU=People,DC=example,DC=org").toString())
                .isEqualTo("(member:1.2.840.113556.1.4.1941:=CN=J\\5c, Doe,OU=People,DC=example,DC=org)");
    }

    @Test
    void rejectsNoUrls() {
        assertThatThrownBy(() -> openLdap(List.of(), LdapSettings.Security.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("urls");
    }

    @Test
    void rejectsASchemeThatDoesNotMatchSecurity() {
        assertThatThrownBy(() -> openLdap(LDAP, LdapSettings.Security.LDAPS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs ldaps://");
        assertThatThrownBy(() -> openLdap(List.of(URI.create("http://x")), LdapSettings.Security.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an ldap://");
    }

    @Test
    void rejectsAnEmptyServicePassword() {
        assertThatThrownBy(() -> LdapSettings.openLdap(LDAP, LdapSettings.Security.NONE, Optional.empty(),
                "cn=svc,dc=example,dc=org", "", "dc=example,dc=org", "dc=example,dc=org"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unauthenticated bind");
    }

    @Test
    void rejectsAFilterWithoutThePlaceholderOrThatDoesNotParse() {
        LdapSettings valid = openLdap(LDAP, LdapSettings.Security.NONE);
        assertThatThrownBy(() -> withFilter(valid, "(uid=alice)"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("{username}");
        assertThatThrownBy(() -> withFilter(valid, "(uid={username}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid LDAP filter");
    }

    @Test
    void rejectsAnInvalidBaseDnAndACaWithoutTls() {
        assertThatThrownBy(() -> LdapSettings.openLdap(LDAP, LdapSettings.Security.NONE, Optional.empty(),
                "cn=svc,dc=example,dc=org", "s", "not a dn", "dc=example,dc=org"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("userBaseDn");
        assertThatThrownBy(() -> LdapSettings.openLdap(LDAP, LdapSettings.Security.NONE, Optional.of("pem"),
                "cn=svc,dc=example,dc=org", "s", "dc=example,dc=org", "dc=example,dc=org"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("security is NONE");
    }

    @Test
    void rejectsAPemWithoutACertificate() {
        LdapSettings settings = LdapSettings.openLdap(List.of(URI.create("ldaps://x")), LdapSettings.Security.LDAPS,
                Optional.of("not a certificate"), "cn=svc,dc=example,dc=org", "s", "dc=example,dc=org",
                "dc=example,dc=org");
        assertThatThrownBy(() -> new LdapDirectory(settings))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("caCertificatePem");
    }

    private static LdapSettings openLdap(List<URI> urls, LdapSettings.Security security) {
        return LdapSettings.openLdap(urls, security, Optional.empty(), "cn=svc,dc=example,dc=org", "s",
                "ou=people,dc=example,dc=org", "ou=groups,dc=example,dc=org");
    }

    private static LdapSettings withFilter(LdapSettings s, String filter) {
        return new LdapSettings(s.urls(), s.security(), s.caCertificatePem(), s.bindDn(), s.bindPassword(),
                s.userBaseDn(), filter, s.groupBaseDn(), s.groupStyle(), s.usernameAttribute(),
                s.displayNameAttribute(), s.mailAttribute(), s.connectTimeout(), s.responseTimeout(), s.poolSize());
    }
}
