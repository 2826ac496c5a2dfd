package io.octofleet.server.users;

import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.RequestAttribute;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.SignedIn;
import io.octofleet.server.organizations.Organizations;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code GET /api/v1/auth/me}: who the caller is and what they may do where, as the credential they used allows
 * (an API token's scope included). The dashboard shapes itself from this.
 */
@Controller("/api/v1/auth")
@ExecuteOn(TaskExecutors.BLOCKING)
final class MeController {
    private final UserService users;
    private final Organizations organizations;

    MeController(UserService users, Organizations organizations) {
        this.users = users;
        this.organizations = organizations;
    }

    /**
     * @param permissions per organization name ({@code *} = every organization; {@code name/group-id} for a binding
     *     narrowed to a node group), the permissions held there
     */
    @Serdeable
    record Me(User user, Map<String, List<String>> permissions) {
    }

    @SignedIn
    @Get("/me")
    Me me(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        Map<String, TreeSet<String>> where = new TreeMap<>();
        for (Operator.Grant g : operator.grants()) {
            String key = g.organization() == null ? UserService.EVERYWHERE : organizations.name(g.organization());
            if (g.groupId() != null) {
                key = key + "/" + g.groupId();
            }
            where.computeIfAbsent(key, k -> new TreeSet<>())
                    .addAll(g.permissions().stream().map(Permission::code).toList());
        }
        Map<String, List<String>> permissions = new TreeMap<>();
        where.forEach((k, v) -> permissions.put(k, List.copyOf(v)));
        return new Me(users.self(operator), permissions);
    }
}
