package io.octofleet.server.auth;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.problem.ApiException;
import io.micronaut.http.HttpStatus;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * An authenticated operator, as controllers see it (request attribute {@link #ATTRIBUTE}): who, and the permissions
 * they hold where. The grants are already narrowed to the credential used (an API token's scope).
 */
public record Operator(UUID id, String username, List<Grant> grants) {
    public static final String ATTRIBUTE = "octofleet.operator";

    public Operator {
        grants = List.copyOf(grants);
    }

    /**
     * Permissions in one organization ({@code organization} null: in every organization), optionally only on the
     * nodes of one group of it ({@code groupId}; such a grant carries only {@link Permission#NODE_SCOPED} ones).
     */
    public record Grant(@Nullable OrganizationId organization, @Nullable UUID groupId, Set<Permission> permissions) {
        public Grant {
            permissions = permissions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(permissions));
        }
    }

    /** Whether the operator holds the permission somewhere (the route-level check: otherwise 403). */
    public boolean holdsAnywhere(Permission permission) {
        return grants.stream().anyMatch(g -> g.permissions().contains(permission));
    }

    /** Whether the operator holds the permission in every organization (a super-admin for it). */
    public boolean holdsEverywhere(Permission permission) {
        return grants.stream().anyMatch(g -> g.organization() == null && g.permissions().contains(permission));
    }

    /**
     * For server-wide things (organizations, roles, auth sources): the permission must be held in every
     * organization. @throws ApiException forbidden saying so
     */
    public void requireEverywhere(Permission permission, String what) {
        if (!holdsEverywhere(permission)) {
            throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", what + " are server-wide: this needs "
                    + permission + " in every organization");
        }
    }

    /** Whether the operator holds the permission on the whole of the organization (not only a group of it). */
    public boolean allows(Permission permission, OrganizationId organization) {
        return grants.stream().anyMatch(g -> g.groupId() == null && g.permissions().contains(permission)
                && (g.organization() == null || g.organization().equals(organization)));
    }

    /** Whether anything of the organization is visible to the operator; if not, it answers 404 to them. */
    public boolean sees(OrganizationId organization) {
        return grants.stream().anyMatch(g -> !g.permissions().isEmpty()
                && (g.organization() == null || g.organization().equals(organization)));
    }

    /** Where the operator holds the permission: the filter for what a listing or lookup may return. */
    public Scope scope(Permission permission) {
        boolean everywhere = false;
        Set<OrganizationId> organizations = new HashSet<>();
        Map<OrganizationId, Set<UUID>> groups = new HashMap<>();
        for (Grant g : grants) {
            if (!g.permissions().contains(permission)) {
                continue;
            }
            if (g.organization() == null) {
                everywhere = true;
            } else if (g.groupId() == null) {
                organizations.add(g.organization());
            } else {
                groups.computeIfAbsent(g.organization(), o -> new HashSet<>()).add(g.groupId());
            }
        }
        organizations.forEach(groups::remove);
        return new Scope(everywhere, organizations, groups);
    }

    /**
     * The organization a new resource goes to. {@code requested} is the {@code organization} the caller named, or
     * null: then the only organization where they hold the permission, or {@code default} for a super-admin.
     * Unknown or invisible organization → 404; visible but without the permission → 403; ambiguous → 400.
     */
    public OrganizationId organizationFor(Permission permission, @Nullable String requested, Organizations organizations) {
        if (requested != null && !requested.isBlank()) {
            OrganizationId id = organizations.byName(requested)
                    .filter(this::sees)
                    .orElseThrow(() -> ApiException.notFound("organization '" + requested + "'"));
            if (!allows(permission, id)) {
                throw new ApiException(HttpStatus.FORBIDDEN, "forbidden",
                        "you do not hold " + permission + " in organization '" + requested + "'");
            }
            return id;
        }
        if (holdsEverywhere(permission)) {
            return OrganizationId.DEFAULT;
        }
        Scope scope = scope(permission);
        if (scope.organizations().size() == 1) {
            return scope.organizations().iterator().next();
        }
        if (scope.organizations().isEmpty()) {
            throw new ApiException(HttpStatus.FORBIDDEN, "forbidden",
                    "you do not hold " + permission + " on a whole organization");
        }
        throw ApiException.invalid("say which organization: you hold " + permission + " in "
                + scope.organizations().stream().map(organizations::name).sorted().collect(Collectors.joining(", ")));
    }

    /** Where a permission is held: everywhere, in whole organizations, or on some groups' nodes of organizations. */
    public record Scope(boolean everywhere, Set<OrganizationId> organizations, Map<OrganizationId, Set<UUID>> groups) {
        public Scope {
            organizations = Set.copyOf(organizations);
            groups = Map.copyOf(groups);
        }

        /** The whole organization is in scope (not only some of its groups). */
        public boolean includes(OrganizationId organization) {
            return everywhere || organizations.contains(organization);
        }

        /** Some of the organization is in scope: the whole of it or some groups' nodes. */
        public boolean touches(OrganizationId organization) {
            return includes(organization) || groups.containsKey(organization);
        }

        /** jOOQ condition: the row's organization column is wholly in scope. */
        public org.jooq.Condition wholeOrganizations(org.jooq.Field<UUID> organizationColumn) {
            if (everywhere) {
                return org.jooq.impl.DSL.trueCondition();
            }
            if (organizations.isEmpty()) {
                return org.jooq.impl.DSL.falseCondition();
            }
            return organizationColumn.in(organizations.stream().map(OrganizationId::value).toList());
        }
    }
}
