package io.octofleet.server.nodes;

import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.RequestAttribute;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.octofleet.server.groups.GroupService;

import java.util.List;

/** {@code GET /api/v1/tags}: the tags in use on the nodes the caller can read, and how many nodes carry each. */
@Controller("/api/v1/tags")
@ExecuteOn(TaskExecutors.BLOCKING)
final class TagController {
    private final NodeRepository repository;
    private final GroupService groups;

    TagController(NodeRepository repository, GroupService groups) {
        this.repository = repository;
        this.groups = groups;
    }

    @Serdeable
    record Tags(List<NodeTags.Count> items) {
    }

    @RequiresPermission(Permission.NODES_READ)
    @Get
    Tags list(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return new Tags(repository.tagCounts(groups.nodesIn(operator.scope(Permission.NODES_READ))));
    }
}
