package io.octofleet.server.ansible;

import io.micronaut.http.annotation.RequestAttribute;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.groups.GroupService;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.problem.ApiException;
import org.jooq.Condition;

import static io.octofleet.server.db.Tables.NODES;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.util.Map;

/**
 * Ansible's dynamic-inventory JSON over HTTP (docs/ansible.md): without {@code host} the {@code --list} form, with it
 * the {@code --host} form. docs/octofleet-inventory.py turns this into an inventory script.
 */
@Controller("/api/v1/ansible/inventory")
@ExecuteOn(TaskExecutors.BLOCKING) // queries PostgreSQL over JDBC: keep it off the event loop
final class AnsibleInventoryController {
    private final AnsibleInventoryService inventory;
    private final GroupService groups;
    private final Organizations organizations;

    AnsibleInventoryController(AnsibleInventoryService inventory, GroupService groups, Organizations organizations) {
        this.inventory = inventory;
        this.groups = groups;
        this.organizations = organizations;
    }

    /**
     * The nodes the caller may read (with {@code organization}: of that organization only), grouped by the groups of
     * the organizations they may read wholly.
     */
    @RequiresPermission(Permission.NODES_READ)
    @Get("{?host,organization}")
    Map<String, Object> get(@Nullable @QueryValue String host, @Nullable @QueryValue String organization,
                            @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        Operator.Scope scope = operator.scope(Permission.NODES_READ);
        Condition nodes = groups.nodesIn(scope);
        if (organization != null && !organization.isBlank()) {
            OrganizationId only = organizations.byName(organization).filter(scope::touches)
                    .orElseThrow(() -> ApiException.notFound("organization '" + organization + "'"));
            nodes = nodes.and(NODES.ORGANIZATION_ID.eq(only.value()));
            scope = new Operator.Scope(false, scope.includes(only) ? java.util.Set.of(only) : java.util.Set.of(),
                    java.util.Map.of());
        }
        return host == null ? inventory.list(nodes, scope) : inventory.host(host, nodes, scope);
    }
}
