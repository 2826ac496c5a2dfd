package io.octofleet.server.auth;

import java.util.UUID;

/** An authenticated operator, as controllers see it (request attribute {@link #ATTRIBUTE}). */
public record Operator(UUID id, String username) {
    public static final String ATTRIBUTE = "octofleet.operator";
}
