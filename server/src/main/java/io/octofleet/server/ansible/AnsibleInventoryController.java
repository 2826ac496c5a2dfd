package io.octofleet.server.ansible;

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

    AnsibleInventoryController(AnsibleInventoryService inventory) {
        this.inventory = inventory;
    }

    @RequiresPermission(Permission.NODES_READ)
    @Get
    Map<String, Object> get(@Nullable @QueryValue String host) {
        return host == null ? inventory.list() : inventory.host(host);
    }
}
