package io.octofleet.server.roles;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.exception.IntegrityConstraintViolationException;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import static io.octofleet.server.db.Tables.GROUP_MAPPINGS;
import static io.octofleet.server.db.Tables.ROLES;
import static io.octofleet.server.db.Tables.ROLE_BINDINGS;

/** Built-in and custom roles (docs/auth.md#roles-and-permissions). */
@Singleton
public class RoleService {
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    static final int MAX_DESCRIPTION = 500;
    private final DSLContext dsl;

    RoleService(DSLContext dsl) {
        this.dsl = dsl;
    }

    public List<Role> list() {
        return dsl.selectFrom(ROLES).orderBy(ROLES.BUILTIN.desc(), ROLES.NAME).fetch(RoleService::role);
    }

    public Optional<Role> byName(String name) {
        return dsl.selectFrom(ROLES).where(ROLES.NAME.eq(name)).fetchOptional(RoleService::role);
    }

    /** @throws ApiException invalid-request naming an unknown role */
    public Role require(String name) {
        return byName(name).orElseThrow(() -> ApiException.invalid("no role named '" + name + "'"));
    }

    Role create(String name, @Nullable String description, @Nullable List<String> permissions) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ApiException.invalid("name must be 1-63 lowercase letters, digits or '-', starting with a letter "
                    + "or digit");
        }
        Set<Permission> parsed = permissions(permissions);
        try {
            dsl.insertInto(ROLES, ROLES.ID, ROLES.NAME, ROLES.DESCRIPTION, ROLES.PERMISSIONS)
                    .values(UUID.randomUUID(), name, description(description), codes(parsed))
                    .execute();
        } catch (IntegrityConstraintViolationException e) {
            throw new ApiException(HttpStatus.CONFLICT, "conflict", "a role named '" + name + "' already exists");
        }
        return byName(name).orElseThrow();
    }

    Role update(String name, @Nullable String description, @Nullable List<String> permissions) {
        Role existing = byName(name).orElseThrow(() -> ApiException.notFound("role '" + name + "'"));
        requireCustom(existing);
        Set<Permission> parsed = permissions(permissions);
        dsl.update(ROLES).set(ROLES.DESCRIPTION, description(description)).set(ROLES.PERMISSIONS, codes(parsed))
                .where(ROLES.ID.eq(existing.id())).execute();
        return byName(name).orElseThrow();
    }

    Role delete(String name) {
        Role existing = byName(name).orElseThrow(() -> ApiException.notFound("role '" + name + "'"));
        requireCustom(existing);
        int bindings = dsl.fetchCount(ROLE_BINDINGS, ROLE_BINDINGS.ROLE_ID.eq(existing.id()));
        int mappings = dsl.fetchCount(GROUP_MAPPINGS, GROUP_MAPPINGS.ROLE_ID.eq(existing.id()));
        if (bindings + mappings > 0) {
            throw new ApiException(HttpStatus.CONFLICT, "role-in-use", "role '" + name + "' is still granted "
                    + bindings + " time(s) and used by " + mappings + " group mapping(s); remove those first");
        }
        dsl.deleteFrom(ROLES).where(ROLES.ID.eq(existing.id())).execute();
        return existing;
    }

    private static void requireCustom(Role role) {
        if (role.builtin()) {
            throw new ApiException(HttpStatus.CONFLICT, "builtin-role",
                    "role '" + role.name() + "' is built in and cannot be changed or deleted; create a custom role");
        }
    }

    /** @throws ApiException invalid-request naming the first unknown permission */
    static Set<Permission> permissions(@Nullable List<String> codes) {
        if (codes == null) {
            throw ApiException.invalid("permissions is required: a list such as [\"nodes:read\", \"jobs:read\"]");
        }
        Set<Permission> parsed = EnumSet.noneOf(Permission.class);
        for (String code : codes) {
            parsed.add(Permission.parse(code == null ? "" : code).orElseThrow(() -> ApiException.invalid(
                    "unknown permission '" + code + "'; known: " + Arrays.toString(Permission.values()))));
        }
        return parsed;
    }

    private static String description(@Nullable String description) {
        String text = description == null ? "" : description.strip();
        if (text.length() > MAX_DESCRIPTION) {
            throw ApiException.invalid("description must be at most " + MAX_DESCRIPTION + " characters");
        }
        return text;
    }

    private static String[] codes(Set<Permission> permissions) {
        return permissions.stream().map(Permission::code).toArray(String[]::new);
    }

    private static Role role(Record r) {
        var row = r.into(ROLES);
        return new Role(row.getId(), row.getName(), row.getDescription(), List.of(row.getPermissions()),
                row.getBuiltin());
    }

    /** The permissions of a role, as the access model holds them. */
    public static Set<Permission> permissionsOf(Role role) {
        Set<Permission> set = EnumSet.noneOf(Permission.class);
        role.permissions().forEach(code -> Permission.parse(code).ifPresent(set::add));
        return set;
    }
}
