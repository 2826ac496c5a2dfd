package io.octofleet.server.users;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.octofleet.server.auth.BuiltinRole;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.OperatorRepository;
import io.octofleet.server.auth.PasswordHasher;
import io.octofleet.server.auth.PasswordPolicy;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.groups.GroupService;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.roles.Role;
import io.octofleet.server.roles.RoleService;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import static io.octofleet.server.db.Tables.AUTH_SOURCES;
import static io.octofleet.server.db.Tables.OPERATORS;
import static io.octofleet.server.db.Tables.ROLES;
import static io.octofleet.server.db.Tables.ROLE_BINDINGS;

/**
 * Users and their role bindings. Holding {@code users:manage} in every organization manages everyone; holding it in
 * some organizations manages the users bound there, only their bindings there, and only grants roles whose
 * permissions the caller holds there too (no escalation). A user outside the caller's reach is a 404.
 */
@Singleton
public class UserService {
    static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");
    static final String EVERYWHERE = "*";
    private final DSLContext dsl;
    private final OperatorRepository operators;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final RoleService roles;
    private final Organizations organizations;
    private final GroupService groups;

    UserService(DSLContext dsl, OperatorRepository operators, PasswordHasher hasher, PasswordPolicy policy,
                RoleService roles, Organizations organizations, GroupService groups) {
        this.dsl = dsl;
        this.operators = operators;
        this.hasher = hasher;
        this.policy = policy;
        this.roles = roles;
        this.organizations = organizations;
        this.groups = groups;
    }

    static UUID id(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("user id must be a UUID, got '" + text + "'");
        }
    }

    List<User> list(Operator caller) {
        return dsl.select(OPERATORS.ID).from(OPERATORS).where(visible(caller)).orderBy(OPERATORS.USERNAME)
                .fetch(r -> view(r.value1()));
    }

    /** @throws ApiException not-found when the user does not exist or is outside the caller's reach */
    public User get(Operator caller, UUID id) {
        if (!dsl.fetchExists(OPERATORS, OPERATORS.ID.eq(id).and(visible(caller)))) {
            throw ApiException.notFound("user " + id);
        }
        return view(id);
    }

    /** The caller's own user, whoever they are. */
    public User self(Operator caller) {
        return view(caller.id());
    }

    User create(Operator caller, UserController.UserRequest request) {
        String username = request.username() == null ? "" : request.username().strip();
        if (!USERNAME.matcher(username).matches()) {
            throw ApiException.invalid("username must be 1-128 letters, digits, '.', '_', '@' or '-', starting with "
                    + "a letter or digit");
        }
        String kind = request.kind() == null ? "human" : request.kind();
        if (!kind.equals("human") && !kind.equals("service")) {
            throw ApiException.invalid("kind must be human or service, got '" + kind + "'");
        }
        String hash = null;
        if (kind.equals("human")) {
            if (request.password() == null) {
                throw ApiException.invalid("password is required for a human user");
            }
            policy.check(username, request.password());
            hash = hasher.hash(request.password());
        } else if (request.password() != null) {
            throw ApiException.invalid("a service account has no password; it uses API tokens");
        }
        List<NewBinding> bindings = bindings(caller, request.roles() == null ? List.of() : request.roles());
        if (!caller.holdsEverywhere(Permission.USERS_MANAGE) && bindings.isEmpty()) {
            throw ApiException.invalid("roles must grant at least one role in an organization you manage, or you "
                    + "could not see the new user");
        }
        UUID id = UUID.randomUUID();
        String passwordHash = hash;
        try {
            dsl.transaction(c -> {
                c.dsl().insertInto(OPERATORS)
                        .set(OPERATORS.ID, id)
                        .set(OPERATORS.USERNAME, username)
                        .set(OPERATORS.PASSWORD_HASH, passwordHash)
                        .set(OPERATORS.KIND, kind)
                        .set(OPERATORS.DISPLAY_NAME, text("displayName", request.displayName(), 200))
                        .set(OPERATORS.EMAIL, email(request.email()))
                        .set(OPERATORS.DISABLED_AT, Boolean.TRUE.equals(request.disabled()) ? OffsetDateTime.now() : null)
                        .execute();
                insertBindings(c.dsl(), id, bindings);
            });
        } catch (IntegrityConstraintViolationException e) {
            throw new ApiException(HttpStatus.CONFLICT, "conflict", "a user named '" + username + "' already exists");
        }
        return view(id);
    }

    User update(Operator caller, UUID id, UserController.UserRequest request) {
        User user = get(caller, id);
        boolean profile = request.password() != null || request.displayName() != null || request.email() != null
                || request.disabled() != null || request.kind() != null;
        if (request.username() != null && !request.username().equals(user.username())) {
            throw ApiException.invalid("username cannot be changed; create a new user");
        }
        if (request.kind() != null && !request.kind().equals(user.kind())) {
            throw ApiException.invalid("kind cannot be changed");
        }
        if (profile) {
            requireWhollyManaged(caller, user);
        }
        if (request.password() != null) {
            if (user.source() != null) {
                throw ApiException.invalid("user '" + user.username() + "' signs in through " + user.source()
                        + "; their password is kept there");
            }
            if (user.kind().equals("service")) {
                throw ApiException.invalid("a service account has no password; it uses API tokens");
            }
            policy.check(user.username(), request.password());
        }
        if (Boolean.TRUE.equals(request.disabled()) && !user.disabled()) {
            requireNotSelf(caller, user, "disable");
            requireAnotherSuperAdmin(user, "disable");
        }
        List<NewBinding> bindings = request.roles() == null ? null : bindings(caller, request.roles());
        if (bindings != null && isSuperAdmin(id) && bindings.stream().noneMatch(NewBinding::superAdmin)
                && caller.holdsEverywhere(Permission.USERS_MANAGE)) {
            requireAnotherSuperAdmin(user, "take admin of every organization from");
        }
        dsl.transaction(c -> {
            DSLContext tx = c.dsl();
            var update = tx.update(OPERATORS).set(OPERATORS.UPDATED_AT, OffsetDateTime.now());
            if (request.password() != null) {
                update = update.set(OPERATORS.PASSWORD_HASH, hasher.hash(request.password()));
            }
            if (request.displayName() != null) {
                update = update.set(OPERATORS.DISPLAY_NAME, text("displayName", request.displayName(), 200));
            }
            if (request.email() != null) {
                update = update.set(OPERATORS.EMAIL, email(request.email()));
            }
            if (request.disabled() != null && request.disabled() != user.disabled()) {
                update = update.set(OPERATORS.DISABLED_AT, request.disabled() ? OffsetDateTime.now() : null);
            }
            update.where(OPERATORS.ID.eq(id)).execute();
            if (bindings != null) {
                // only the manual bindings in the organizations the caller manages are replaced
                tx.deleteFrom(ROLE_BINDINGS).where(ROLE_BINDINGS.USER_ID.eq(id))
                        .and(ROLE_BINDINGS.ORIGIN.eq("manual"))
                        .and(managedBindings(caller)).execute();
                insertBindings(tx, id, bindings);
            }
        });
        if (request.password() != null || Boolean.TRUE.equals(request.disabled())) {
            operators.deleteSessionsOf(id); // a changed password or a disabled account ends every session
        }
        return view(id);
    }

    void delete(Operator caller, UUID id) {
        User user = get(caller, id);
        requireWhollyManaged(caller, user);
        requireNotSelf(caller, user, "delete");
        requireAnotherSuperAdmin(user, "delete");
        dsl.deleteFrom(OPERATORS).where(OPERATORS.ID.eq(id)).execute(); // sessions, tokens, bindings cascade
    }

    // --- reach -----------------------------------------------------------------------------------------------------

    /** Users the caller can see: all for a manager everywhere, else those with a binding where they manage users. */
    Condition visible(Operator caller) {
        if (caller.holdsEverywhere(Permission.USERS_MANAGE)) {
            return DSL.trueCondition();
        }
        Set<OrganizationId> managed = caller.scope(Permission.USERS_MANAGE).organizations();
        return DSL.exists(DSL.selectOne().from(ROLE_BINDINGS).where(ROLE_BINDINGS.USER_ID.eq(OPERATORS.ID))
                .and(ROLE_BINDINGS.ORGANIZATION_ID.in(managed.stream().map(OrganizationId::value).toList())));
    }

    /** The bindings (of any user) that the caller may grant and revoke, as a condition on role_bindings. */
    private static Condition managedBindings(Operator caller) {
        if (caller.holdsEverywhere(Permission.USERS_MANAGE)) {
            return DSL.trueCondition();
        }
        return ROLE_BINDINGS.ORGANIZATION_ID.in(caller.scope(Permission.USERS_MANAGE).organizations().stream()
                .map(OrganizationId::value).toList());
    }

    private void requireWhollyManaged(Operator caller, User user) {
        if (caller.holdsEverywhere(Permission.USERS_MANAGE)) {
            return;
        }
        for (User.Binding b : user.roles()) {
            boolean managed = !b.organization().equals(EVERYWHERE) && organizations.byName(b.organization())
                    .map(o -> caller.allows(Permission.USERS_MANAGE, o)).orElse(false);
            if (!managed) {
                throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", "user '" + user.username()
                        + "' also belongs to organizations you do not manage; only their roles in yours can change");
            }
        }
    }

    private static void requireNotSelf(Operator caller, User user, String what) {
        if (caller.id().equals(user.id())) {
            throw new ApiException(HttpStatus.CONFLICT, "conflict", "you cannot " + what + " yourself");
        }
    }

    private boolean isSuperAdmin(UUID user) {
        return dsl.fetchExists(ROLE_BINDINGS, ROLE_BINDINGS.USER_ID.eq(user)
                .and(ROLE_BINDINGS.ROLE_ID.eq(BuiltinRole.ADMIN.id()))
                .and(ROLE_BINDINGS.ORGANIZATION_ID.isNull()).and(ROLE_BINDINGS.GROUP_ID.isNull()));
    }

    /** Refuses to leave the server without an enabled admin of every organization. */
    private void requireAnotherSuperAdmin(User user, String what) {
        if (!isSuperAdmin(user.id())) {
            return;
        }
        boolean another = dsl.fetchExists(DSL.selectOne().from(ROLE_BINDINGS)
                .join(OPERATORS).on(OPERATORS.ID.eq(ROLE_BINDINGS.USER_ID))
                .where(ROLE_BINDINGS.ROLE_ID.eq(BuiltinRole.ADMIN.id()))
                .and(ROLE_BINDINGS.ORGANIZATION_ID.isNull()).and(ROLE_BINDINGS.GROUP_ID.isNull())
                .and(OPERATORS.DISABLED_AT.isNull()).and(OPERATORS.ID.ne(user.id())));
        if (!another) {
            throw new ApiException(HttpStatus.CONFLICT, "last-admin", "cannot " + what + " '" + user.username()
                    + "': it is the last enabled admin of every organization");
        }
    }

    // --- bindings --------------------------------------------------------------------------------------------------

    record NewBinding(UUID roleId, @Nullable OrganizationId organization, @Nullable UUID group) {
        boolean superAdmin() {
            return roleId.equals(BuiltinRole.ADMIN.id()) && organization == null && group == null;
        }
    }

    /** Validates requested bindings against the caller's own reach. */
    private List<NewBinding> bindings(Operator caller, List<UserController.BindingRequest> requested) {
        List<NewBinding> out = new ArrayList<>();
        for (UserController.BindingRequest b : requested) {
            if (b == null || b.role() == null || b.organization() == null) {
                throw ApiException.invalid("each of roles needs role and organization (a name, or * for every "
                        + "organization)");
            }
            Role role = roles.require(b.role());
            Set<Permission> granted = RoleService.permissionsOf(role);
            if (b.organization().equals(EVERYWHERE)) {
                if (b.group() != null) {
                    throw ApiException.invalid("a binding to a node group names one organization, not *");
                }
                if (!caller.holdsEverywhere(Permission.USERS_MANAGE) || !heldEverywhere(caller).containsAll(granted)) {
                    throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", "granting '" + role.name()
                            + "' in every organization needs users:manage and all its permissions in every organization");
                }
                out.add(new NewBinding(role.id(), null, null));
                continue;
            }
            OrganizationId org = organizations.byName(b.organization()).filter(caller::sees)
                    .orElseThrow(() -> ApiException.notFound("organization '" + b.organization() + "'"));
            if (!caller.allows(Permission.USERS_MANAGE, org) || !heldIn(caller, org).containsAll(granted)) {
                throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", "granting '" + role.name() + "' in '"
                        + b.organization() + "' needs users:manage and all of the role's permissions there");
            }
            UUID group = null;
            if (b.group() != null) {
                group = groupId(b.group(), org);
            }
            out.add(new NewBinding(role.id(), org, group));
        }
        return out;
    }

    private UUID groupId(String text, OrganizationId org) {
        Operator.Scope orgOnly = new Operator.Scope(false, Set.of(org), Map.of());
        try {
            return groups.find(UUID.fromString(text), orgOnly).id();
        } catch (IllegalArgumentException e) {
            return groups.list(orgOnly).stream().filter(g -> g.name().equals(text)).findFirst()
                    .orElseThrow(() -> ApiException.notFound("group '" + text + "' in the binding's organization"))
                    .id();
        }
    }

    private static Set<Permission> heldEverywhere(Operator caller) {
        Set<Permission> held = EnumSet.noneOf(Permission.class);
        caller.grants().stream().filter(g -> g.organization() == null && g.groupId() == null)
                .forEach(g -> held.addAll(g.permissions()));
        return held;
    }

    private static Set<Permission> heldIn(Operator caller, OrganizationId org) {
        Set<Permission> held = EnumSet.noneOf(Permission.class);
        caller.grants().stream().filter(g -> g.groupId() == null
                        && (g.organization() == null || g.organization().equals(org)))
                .forEach(g -> held.addAll(g.permissions()));
        return held;
    }

    private static void insertBindings(DSLContext tx, UUID user, List<NewBinding> bindings) {
        for (NewBinding b : bindings) {
            tx.insertInto(ROLE_BINDINGS, ROLE_BINDINGS.ID, ROLE_BINDINGS.USER_ID, ROLE_BINDINGS.ROLE_ID,
                            ROLE_BINDINGS.ORGANIZATION_ID, ROLE_BINDINGS.GROUP_ID, ROLE_BINDINGS.ORIGIN)
                    .values(UUID.randomUUID(), user, b.roleId(),
                            b.organization() == null ? null : b.organization().value(), b.group(), "manual")
                    .onConflictDoNothing()
                    .execute();
        }
    }

    // --- views -----------------------------------------------------------------------------------------------------

    private User view(UUID id) {
        var r = dsl.select(OPERATORS.asterisk(), AUTH_SOURCES.NAME).from(OPERATORS)
                .leftJoin(AUTH_SOURCES).on(AUTH_SOURCES.ID.eq(OPERATORS.SOURCE_ID))
                .where(OPERATORS.ID.eq(id)).fetchSingle();
        var row = r.into(OPERATORS);
        Map<UUID, User.Binding> bindings = new LinkedHashMap<>();
        dsl.select(ROLE_BINDINGS.ID, ROLES.NAME, ROLE_BINDINGS.ORGANIZATION_ID, ROLE_BINDINGS.GROUP_ID,
                        ROLE_BINDINGS.ORIGIN)
                .from(ROLE_BINDINGS).join(ROLES).on(ROLES.ID.eq(ROLE_BINDINGS.ROLE_ID))
                .where(ROLE_BINDINGS.USER_ID.eq(id))
                .orderBy(ROLES.NAME, ROLE_BINDINGS.CREATED_AT)
                .forEach(b -> bindings.put(b.value1(), new User.Binding(b.value2(),
                        b.value3() == null ? EVERYWHERE : organizations.name(b.value3()), b.value4(), b.value5())));
        return new User(row.getId(), row.getUsername(), row.getDisplayName(), row.getEmail(), row.getKind(),
                r.get(AUTH_SOURCES.NAME), row.getDisabledAt() != null, row.getCreatedAt().toInstant(),
                row.getLastLoginAt() == null ? null : row.getLastLoginAt().toInstant(),
                new ArrayList<>(bindings.values()));
    }

    private static String text(String field, @Nullable String value, int max) {
        String text = value == null ? "" : value.strip();
        if (text.length() > max || text.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.invalid(field + " must be at most " + max + " characters without control characters");
        }
        return text;
    }

    private static @Nullable String email(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String email = value.strip();
        if (email.length() > 254 || !email.matches("[^@\\s]+@[^@\\s]+")) {
            throw ApiException.invalid("email must look like name@example.org, got '" + value + "'");
        }
        return email;
    }
}
