package io.octofleet.server.auth;

import io.micronaut.context.annotation.Value;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;

import java.util.Locale;
import java.util.Set;

/**
 * What a local password must be: at least {@code octofleet.auth.password.min-length} characters (12), at most 1024,
 * not containing the username, and not one of the passwords every cracking list starts with. Length beats
 * composition rules (NIST SP 800-63B), so there are none.
 */
@Singleton
public final class PasswordPolicy {
    static final int MAX_LENGTH = 1024;
    private static final Set<String> COMMON = Set.of("password", "password1", "password12", "password123",
            "password1234", "123456789012", "1234567890123", "qwertyuiopas", "qwerty123456", "letmein12345",
            "administrator", "changeme1234", "welcome12345", "iloveyou1234", "passw0rd1234", "octofleet123",
            "adminadmin12", "p@ssw0rd1234", "aaaaaaaaaaaa", "abcdefghijkl", "abc123456789", "correcthorsebatterystaple");
    private final int minLength;

    PasswordPolicy(@Value("${octofleet.auth.password.min-length:12}") int minLength) {
        if (minLength < 8) {
            throw new IllegalStateException("octofleet.auth.password.min-length must be at least 8, got " + minLength);
        }
        this.minLength = minLength;
    }

    /** @throws ApiException invalid-request (400) saying what is wrong with the password */
    public void check(String username, String password) {
        if (password == null || password.length() < minLength) {
            throw weak("must be at least " + minLength + " characters");
        }
        if (password.length() > MAX_LENGTH) {
            throw weak("must be at most " + MAX_LENGTH + " characters");
        }
        String lower = password.toLowerCase(Locale.ROOT);
        if (username != null && username.length() >= 3 && lower.contains(username.toLowerCase(Locale.ROOT))) {
            throw weak("must not contain the username");
        }
        if (COMMON.contains(lower) || lower.chars().distinct().count() < 4) {
            throw weak("is too common or too repetitive");
        }
    }

    private static ApiException weak(String why) {
        return new ApiException(io.micronaut.http.HttpStatus.BAD_REQUEST, "weak-password", "password " + why);
    }
}
