package io.octofleet.server.parameters;

import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;

import java.util.List;
import java.util.UUID;

/** Global, group and node parameters over HTTP (docs/api.md#parameters). Secret values never leave the server here. */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING) // every endpoint queries PostgreSQL over JDBC: keep it off the event loop
final class ParameterController {
    private final ParameterService parameters;

    ParameterController(ParameterService parameters) {
        this.parameters = parameters;
    }

    /** The body of PUT; the key comes from the path. */
    @Serdeable
    record ParameterRequest(@Nullable String value, @Nullable Boolean secret) {
    }

    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/parameters")
    Page<Parameter> listGlobal() {
        return page(parameters.list(ParameterOwner.GLOBAL));
    }

    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/parameters/{key}")
    Parameter getGlobal(@PathVariable String key) {
        return parameters.find(ParameterOwner.GLOBAL, ParameterDefinition.validKey(key));
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Put("/parameters/{key}")
    Parameter putGlobal(@PathVariable String key, @Body ParameterRequest body) {
        return put(ParameterOwner.GLOBAL, key, body);
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Delete("/parameters/{key}")
    @Status(HttpStatus.NO_CONTENT)
    void deleteGlobal(@PathVariable String key) {
        parameters.delete(ParameterOwner.GLOBAL, ParameterDefinition.validKey(key));
    }

    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/groups/{id}/parameters")
    Page<Parameter> listGroup(@PathVariable String id) {
        return page(parameters.list(group(id)));
    }

    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/groups/{id}/parameters/{key}")
    Parameter getGroup(@PathVariable String id, @PathVariable String key) {
        return parameters.find(group(id), ParameterDefinition.validKey(key));
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Put("/groups/{id}/parameters/{key}")
    Parameter putGroup(@PathVariable String id, @PathVariable String key, @Body ParameterRequest body) {
        return put(group(id), key, body);
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Delete("/groups/{id}/parameters/{key}")
    @Status(HttpStatus.NO_CONTENT)
    void deleteGroup(@PathVariable String id, @PathVariable String key) {
        parameters.delete(group(id), ParameterDefinition.validKey(key));
    }

    /** The node's own parameters, or with {@code effective=true} everything it inherits, with the source of each. */
    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/nodes/{id}/parameters{?effective}")
    Page<?> listNode(@PathVariable String id, @Nullable @QueryValue String effective) {
        ParameterOwner owner = node(id);
        if (effective == null || effective.equals("false")) {
            return page(parameters.list(owner));
        }
        if (!effective.equals("true")) {
            throw ApiException.invalid("effective must be true or false, got '" + effective + "'");
        }
        List<EffectiveParameter> inherited = parameters.effective(owner.nodeId());
        return new Page<>(inherited, inherited.size());
    }

    @RequiresPermission(Permission.PARAMETERS_READ)
    @Get("/nodes/{id}/parameters/{key}")
    Parameter getNode(@PathVariable String id, @PathVariable String key) {
        return parameters.find(node(id), ParameterDefinition.validKey(key));
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Put("/nodes/{id}/parameters/{key}")
    Parameter putNode(@PathVariable String id, @PathVariable String key, @Body ParameterRequest body) {
        return put(node(id), key, body);
    }

    @RequiresPermission(Permission.PARAMETERS_WRITE)
    @Delete("/nodes/{id}/parameters/{key}")
    @Status(HttpStatus.NO_CONTENT)
    void deleteNode(@PathVariable String id, @PathVariable String key) {
        parameters.delete(node(id), ParameterDefinition.validKey(key));
    }

    private Parameter put(ParameterOwner owner, String key, ParameterRequest body) {
        return parameters.put(owner, ParameterDefinition.parse(key, body.value(), body.secret()));
    }

    private static Page<Parameter> page(List<Parameter> items) {
        return new Page<>(items, items.size());
    }

    private static ParameterOwner group(String text) {
        try {
            return ParameterOwner.group(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("group id must be a UUID, got '" + text + "'");
        }
    }

    private static ParameterOwner node(String text) {
        try {
            return ParameterOwner.node(NodeId.parse(text));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("node id must be a UUID, got '" + text + "'");
        }
    }
}
