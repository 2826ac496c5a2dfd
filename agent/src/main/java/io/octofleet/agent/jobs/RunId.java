package io.octofleet.agent.jobs;

import java.util.regex.Pattern;

/**
 * Identifies one run of a job on this host. It names the run's private directory and ansible-runner's
 * {@code --ident}, hence the restricted alphabet.
 */
public record RunId(String value) {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public RunId {
        if (value == null || !SAFE.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "run id must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit: "
                            + value);
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
