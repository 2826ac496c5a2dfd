package io.octofleet.server.nodes;

import io.micronaut.core.annotation.Nullable;

import java.util.regex.Pattern;

/**
 * What an agent says about itself (hostname, agent version) is input like any other: the same rules at enrollment
 * and at every session start, so nothing an agent sends can put control characters or megabytes into the API.
 */
public final class AgentFacts {
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}");

    private AgentFacts() {
    }

    /** Why these facts are unacceptable, or null when they are fine. */
    @Nullable
    public static String invalid(@Nullable String hostname, @Nullable String agentVersion) {
        if (hostname == null || !HOSTNAME.matcher(hostname).matches()) {
            return "hostname must be 1-253 characters of letters, digits, '.', '_' and '-'";
        }
        if (agentVersion == null || !VERSION.matcher(agentVersion).matches()) {
            return "agent version must be 1-64 characters of letters, digits, '.', '+', '_' and '-'";
        }
        return null;
    }
}
