package io.octofleet.server.auth;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What an operator may do, per resource and action. Roles are sets of these; the wire form is the {@link #code()}
 * ({@code nodes:read}). docs/auth.md lists what each one allows.
 */
public enum Permission {
    NODES_READ("nodes:read"),
    NODES_WRITE("nodes:write"),
    GROUPS_READ("groups:read"),
    GROUPS_WRITE("groups:write"),
    PARAMETERS_READ("parameters:read"),
    PARAMETERS_WRITE("parameters:write"),
    JOBS_READ("jobs:read"),
    JOBS_RUN("jobs:run"),
    SCHEDULES_MANAGE("schedules:manage"),
    ENROLLMENT_MANAGE("enrollment:manage"),
    USERS_MANAGE("users:manage"),
    AUDIT_READ("audit:read"),
    SETTINGS_MANAGE("settings:manage"),
    ALERTS_MANAGE("alerts:manage"),
    SERVER_METRICS("server:metrics");

    /** The permissions a binding narrowed to a node group still grants (on that group's nodes only). */
    public static final Set<Permission> NODE_SCOPED = EnumSet.of(NODES_READ, NODES_WRITE, JOBS_READ, JOBS_RUN);

    private final String code;

    Permission(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static Optional<Permission> parse(String code) {
        return Arrays.stream(values()).filter(p -> p.code.equals(code)).findFirst();
    }

    @Override
    public String toString() {
        return code;
    }
}
