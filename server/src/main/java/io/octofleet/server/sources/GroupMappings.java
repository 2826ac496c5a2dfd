package io.octofleet.server.sources;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.groups.GroupService;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.roles.Role;
import io.octofleet.server.roles.RoleService;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.octofleet.server.db.Tables.GROUP_MAPPINGS;
import static io.octofleet.server.db.Tables.ROLES;

/** A source's group mappings: a directory group or claim value → a role in an organization (or everywhere). */
@Singleton
class GroupMappings {
    private final DSLContext dsl;
    private final RoleService roles;
    private final Organizations organizations;
    private final GroupService groups;

    GroupMappings(DSLContext dsl, RoleService roles, Organizations organizations, GroupService groups) {
        this.dsl = dsl;
        this.roles = roles;
        this.organizations = organizations;
        this.groups = groups;
    }

    /**
     * @param group        an LDAP group DN, its cn, or an OIDC claim value (Entra ID: the group's object id);
     *                     compared case-insensitively
     * @param organization an organization name, or {@code *} for every organization
     * @param nodeGroup    optionally narrows the role to one node group (id) of that organization
     */
    @Serdeable
    record MappingRequest(@Nullable String group, @Nullable String role, @Nullable String organization,
                          @Nullable String nodeGroup) {
    }

    @Serdeable
    record Mapping(UUID id, String group, String role, String organization, @Nullable UUID nodeGroup,
                   Instant createdAt) {
    }

    List<Mapping> list(AuthSource source) {
        return dsl.select(GROUP_MAPPINGS.ID, GROUP_MAPPINGS.EXTERNAL_GROUP, ROLES.NAME, GROUP_MAPPINGS.ORGANIZATION_ID,
                        GROUP_MAPPINGS.GROUP_ID, GROUP_MAPPINGS.CREATED_AT)
                .from(GROUP_MAPPINGS).join(ROLES).on(ROLES.ID.eq(GROUP_MAPPINGS.ROLE_ID))
                .where(GROUP_MAPPINGS.SOURCE_ID.eq(source.id()))
                .orderBy(GROUP_MAPPINGS.EXTERNAL_GROUP, ROLES.NAME)
                .fetch(r -> new Mapping(r.value1(), r.value2(), r.value3(),
                        r.value4() == null ? "*" : organizations.name(r.value4()), r.value5(),
                        r.value6().toInstant()));
    }

    Mapping create(AuthSource source, MappingRequest request) {
        if (request.group() == null || request.group().isBlank() || request.group().length() > 1024) {
            throw ApiException.invalid("group is required: a group DN or cn (LDAP) or a claim value (OIDC)");
        }
        if (request.role() == null || request.organization() == null) {
            throw ApiException.invalid("role and organization are required (organization: a name, or * for every "
                    + "organization)");
        }
        Role role = roles.require(request.role());
        OrganizationId organization = null;
        if (!request.organization().equals("*")) {
            organization = organizations.byName(request.organization())
                    .orElseThrow(() -> ApiException.notFound("organization '" + request.organization() + "'"));
        }
        UUID nodeGroup = null;
        if (request.nodeGroup() != null) {
            if (organization == null) {
                throw ApiException.invalid("nodeGroup narrows a mapping within one organization, not *");
            }
            try {
                nodeGroup = groups.find(UUID.fromString(request.nodeGroup()),
                        new io.octofleet.server.auth.Operator.Scope(false, Set.of(organization), Map.of())).id();
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("nodeGroup must be a group id (UUID)");
            }
        }
        UUID id = UUID.randomUUID();
        try {
            dsl.insertInto(GROUP_MAPPINGS, GROUP_MAPPINGS.ID, GROUP_MAPPINGS.SOURCE_ID, GROUP_MAPPINGS.EXTERNAL_GROUP,
                            GROUP_MAPPINGS.ROLE_ID, GROUP_MAPPINGS.ORGANIZATION_ID, GROUP_MAPPINGS.GROUP_ID)
                    .values(id, source.id(), request.group().strip(), role.id(),
                            organization == null ? null : organization.value(), nodeGroup)
                    .execute();
        } catch (IntegrityConstraintViolationException e) {
            throw new ApiException(HttpStatus.CONFLICT, "conflict", "this mapping exists already");
        }
        return list(source).stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow();
    }

    Mapping delete(AuthSource source, String mappingId) {
        UUID id;
        try {
            id = UUID.fromString(mappingId);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("mapping id must be a UUID");
        }
        Mapping existing = list(source).stream().filter(m -> m.id().equals(id)).findFirst()
                .orElseThrow(() -> ApiException.notFound("mapping " + mappingId));
        dsl.deleteFrom(GROUP_MAPPINGS).where(GROUP_MAPPINGS.ID.eq(id)).execute();
        return existing;
    }
}
