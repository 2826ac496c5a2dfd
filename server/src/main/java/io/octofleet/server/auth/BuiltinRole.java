package io.octofleet.server.auth;

import java.util.UUID;

/** The roles every installation has (seeded by migration V6 with these ids; they cannot be changed or deleted). */
public enum BuiltinRole {
    ADMIN("00000000-0000-0000-0000-00000000a001"),
    OPERATOR("00000000-0000-0000-0000-00000000a002"),
    VIEWER("00000000-0000-0000-0000-00000000a003"),
    AUDITOR("00000000-0000-0000-0000-00000000a004");

    private final UUID id;

    BuiltinRole(String id) {
        this.id = UUID.fromString(id);
    }

    public UUID id() {
        return id;
    }

    /** The name in the API: {@code admin}, {@code operator}, {@code viewer}, {@code auditor}. */
    public String roleName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
