package io.octofleet.server.sources;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.ldap.LdapSettings;
import io.octofleet.server.oidc.OidcProviderSettings;
import io.octofleet.server.problem.ApiException;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The JSON {@code settings} of an auth source turned into the LDAP / OIDC libraries' settings, with every mistake
 * reported as a 400 naming the field. docs/auth.md lists the fields.
 */
final class SourceSettings {
    static final Set<String> LDAP_FIELDS = Set.of("directory", "urls", "security", "caCertificatePem", "bindDn",
            "userBaseDn", "userFilter", "groupBaseDn", "usernameAttribute", "displayNameAttribute", "mailAttribute",
            "connectTimeoutSeconds", "responseTimeoutSeconds", "poolSize");
    static final Set<String> OIDC_FIELDS = Set.of("issuer", "clientId", "scopes", "redirectUri", "groupsClaim",
            "acceptAccessTokens", "accessTokenAudience", "clockSkewSeconds", "endSessionRedirectUri", "displayName");
    /** The write-only secret of each type, as it may appear in a request's settings. */
    static final String LDAP_SECRET = "bindPassword";
    static final String OIDC_SECRET = "clientSecret";

    private SourceSettings() {
    }

    static String secretField(String type) {
        return type.equals("ldap") ? LDAP_SECRET : OIDC_SECRET;
    }

    static void requireKnownFields(String type, Map<String, Object> settings) {
        Set<String> known = type.equals("ldap") ? LDAP_FIELDS : OIDC_FIELDS;
        for (String key : settings.keySet()) {
            if (!known.contains(key) && !key.equals(secretField(type))) {
                throw ApiException.invalid("settings." + key + " is not a setting of a " + type + " source; known: "
                        + new java.util.TreeSet<>(known));
            }
        }
    }

    static LdapSettings ldap(Map<String, Object> s, @Nullable String bindPassword) {
        try {
            List<URI> urls = new ArrayList<>();
            for (String url : strings(s, "urls")) {
                urls.add(URI.create(url));
            }
            String securityName = string(s, "security", "ldaps");
            LdapSettings.Security security = java.util.Arrays.stream(LdapSettings.Security.values())
                    .filter(v -> v.name().equalsIgnoreCase(securityName)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("security: must be none, ldaps or starttls, got '"
                            + securityName + "'"));
            Optional<String> ca = Optional.ofNullable(string(s, "caCertificatePem", null));
            String directory = string(s, "directory", "openldap");
            String bindDn = string(s, "bindDn", null);
            String userBaseDn = string(s, "userBaseDn", null);
            String password = bindPassword == null ? "" : bindPassword;
            LdapSettings base = switch (directory) {
                case "active-directory" -> LdapSettings.activeDirectory(urls, security, ca, bindDn, password,
                        userBaseDn);
                case "openldap" -> LdapSettings.openLdap(urls, security, ca, bindDn, password, userBaseDn,
                        string(s, "groupBaseDn", userBaseDn));
                default -> throw new IllegalArgumentException("directory: must be active-directory or openldap, got '"
                        + directory + "'");
            };
            return new LdapSettings(base.urls(), base.security(), base.caCertificatePem(), base.bindDn(),
                    base.bindPassword(), base.userBaseDn(), string(s, "userFilter", base.userFilter()),
                    string(s, "groupBaseDn", base.groupBaseDn()), base.groupStyle(),
                    string(s, "usernameAttribute", base.usernameAttribute()),
                    string(s, "displayNameAttribute", base.displayNameAttribute()),
                    string(s, "mailAttribute", base.mailAttribute()),
                    Duration.ofSeconds(number(s, "connectTimeoutSeconds", base.connectTimeout().toSeconds())),
                    Duration.ofSeconds(number(s, "responseTimeoutSeconds", base.responseTimeout().toSeconds())),
                    (int) number(s, "poolSize", base.poolSize()));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ApiException.invalid("settings." + e.getMessage());
        }
    }

    static OidcProviderSettings oidc(Map<String, Object> s, @Nullable String clientSecret) {
        try {
            String issuer = string(s, "issuer", null);
            String redirect = string(s, "redirectUri", null);
            if (issuer == null) {
                throw new IllegalArgumentException("issuer: required, e.g. https://kc.example.com/realms/ops");
            }
            if (redirect == null) {
                throw new IllegalArgumentException("redirectUri: required: https://<this server>/api/v1/auth/oidc/"
                        + "<source name>/callback, as registered at the provider");
            }
            List<String> scopes = s.containsKey("scopes") ? strings(s, "scopes") : null;
            boolean accessTokens = Boolean.TRUE.equals(s.get("acceptAccessTokens"));
            return new OidcProviderSettings(URI.create(issuer), string(s, "clientId", null), clientSecret, scopes,
                    URI.create(redirect), string(s, "groupsClaim", null),
                    Duration.ofSeconds(number(s, "clockSkewSeconds", 60)), null, null, accessTokens,
                    string(s, "accessTokenAudience", null));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ApiException.invalid("settings." + e.getMessage());
        }
    }

    private static @Nullable String string(Map<String, Object> s, String key, @Nullable String fallback) {
        Object value = s.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String text)) {
            throw new IllegalArgumentException(key + ": must be a string");
        }
        return text;
    }

    private static List<String> strings(Map<String, Object> s, String key) {
        Object value = s.get(key);
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException(key + ": must be a non-empty list of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof String text)) {
                throw new IllegalArgumentException(key + ": must be a list of strings");
            }
            out.add(text);
        }
        return out;
    }

    private static long number(Map<String, Object> s, String key, long fallback) {
        Object value = s.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException(key + ": must be a number");
        }
        return n.longValue();
    }
}
