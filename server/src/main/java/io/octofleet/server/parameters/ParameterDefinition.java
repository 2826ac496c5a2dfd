package io.octofleet.server.parameters;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.problem.ApiException;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A validated parameter as an operator sets it. Keys become environment variable names and Ansible extra vars, so
 * they are identifiers; values are bounded so a parameter cannot bloat every job that carries it.
 */
record ParameterDefinition(String key, String value, boolean secret) {
    static final int MAX_KEY_LENGTH = 128;
    static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** @throws ApiException invalid-request naming what is wrong */
    static ParameterDefinition parse(String key, @Nullable String value, @Nullable Boolean secret) {
        validKey(key);
        if (value == null) {
            throw ApiException.invalid("value is required (a string, may be empty)");
        }
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_VALUE_BYTES) {
            throw ApiException.invalid("value of " + key + " is " + bytes + " bytes in UTF-8; at most "
                    + MAX_VALUE_BYTES + " (64 KiB)");
        }
        if (value.indexOf('\0') >= 0) {
            // Neither an environment variable nor a PostgreSQL text value can hold one.
            throw ApiException.invalid("value of " + key + " contains a NUL character");
        }
        return new ParameterDefinition(key, value, secret != null && secret);
    }

    /** @throws ApiException invalid-request unless {@code key} is a valid parameter key */
    static String validKey(@Nullable String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH || !KEY.matcher(key).matches()) {
            throw ApiException.invalid("key must be 1-" + MAX_KEY_LENGTH + " characters matching [A-Za-z_][A-Za-z0-9_]*"
                    + " (it becomes an environment variable name), got '" + (key == null ? "" : key) + "'");
        }
        return key;
    }
}
