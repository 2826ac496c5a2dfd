package io.octofleet.server.metrics;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.RequestAttribute;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.octofleet.server.groups.Group;
import io.octofleet.server.groups.GroupService;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.nodes.NodeService;
import io.octofleet.server.problem.ApiException;
import org.jooq.Condition;
import org.jooq.DSLContext;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Live metrics over HTTP (docs/api.md, "Metrics"): a node's series, the fleet's aggregates, and which series a node
 * has. Reading needs {@code nodes:read} on the node(s); another organization's node is a 404.
 */
@Controller("/api/v1")
final class MetricsController {
    private static final int MAX_NAMES = 50;

    private final MetricQueries queries;
    private final NodeService nodes;
    private final GroupService groups;
    private final MetricsConfiguration config;
    private final DSLContext dsl;
    private final Clock clock = Clock.systemUTC();

    MetricsController(MetricQueries queries, NodeService nodes, GroupService groups, MetricsConfiguration config,
                      DSLContext dsl) {
        this.queries = queries;
        this.nodes = nodes;
        this.groups = groups;
        this.config = config;
        this.dsl = dsl;
    }

    @Serdeable
    record Answer(Instant from, Instant to, String step, List<MetricQueries.Series> series) {
    }

    @Serdeable
    record SeriesName(String name, String instance) {
    }

    @Serdeable
    record Names(List<SeriesName> items) {
    }

    @RequiresPermission(Permission.NODES_READ)
    @Get("/nodes/{id}/metrics{?names,from,to,step}")
    Answer node(@PathVariable String id, @Nullable @QueryValue String names, @Nullable @QueryValue String from,
                @Nullable @QueryValue String to, @Nullable @QueryValue String step,
                @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        NodeId node = visible(id, operator);
        if (names == null || names.isBlank()) {
            throw ApiException.invalid("names is required: comma-separated metric names, e.g. names=cpu.usage,gpu.util "
                    + "(GET /api/v1/nodes/" + id + "/metrics/names lists them)");
        }
        List<String> wanted = Arrays.stream(names.split(",")).map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
        if (wanted.size() > MAX_NAMES) {
            throw ApiException.invalid("at most " + MAX_NAMES + " names per request");
        }
        TimeRange range = TimeRange.parse(from, to, step, config.interval(), clock.instant());
        return new Answer(range.from(), range.to(), range.step().toString(),
                queries.node(node, wanted, range.from(), range.to(), range.step()));
    }

    @RequiresPermission(Permission.NODES_READ)
    @Get("/nodes/{id}/metrics/names")
    Names names(@PathVariable String id, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        NodeId node = visible(id, operator);
        List<SeriesName> items = dsl.fetch("SELECT DISTINCT name, instance FROM metric_samples "
                        + "WHERE node_id = ? AND time > now() - interval '1 hour' ORDER BY 1, 2", node.value())
                .map(r -> new SeriesName(r.get(0, String.class), r.get(1, String.class)));
        return new Names(items);
    }

    @RequiresPermission(Permission.NODES_READ)
    @Get("/metrics/fleet{?name,by,agg,from,to,step}")
    Answer fleet(@Nullable @QueryValue String name, @Nullable @QueryValue String by, @Nullable @QueryValue String agg,
                 @Nullable @QueryValue String from, @Nullable @QueryValue String to, @Nullable @QueryValue String step,
                 @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        if (name == null || name.isBlank()) {
            throw ApiException.invalid("name is required, e.g. name=gpu.util");
        }
        TimeRange range = TimeRange.parse(from, to, step, config.interval(), clock.instant());
        Operator.Scope scope = operator.scope(Permission.NODES_READ);
        Condition visible = groups.nodesIn(scope);
        String grouping = by == null || by.isBlank() ? "none" : by.strip().toLowerCase(Locale.ROOT);
        if (agg != null && !agg.isBlank() && !agg.strip().equalsIgnoreCase("avg")) {
            // min and max are in every point; avg is the only combination computed.
            throw ApiException.invalid("agg: each point carries avg, min and max; only agg=avg may be given");
        }
        if (grouping.equals("group")) {
            List<MetricQueries.Series> series = new ArrayList<>();
            for (Group group : groups.list(scope)) {
                Condition members = groups.membership(group.id(), group.organizationId());
                for (MetricQueries.Series s : queries.fleet(name.strip(), visible.and(members), MetricQueries.By.NONE,
                        range.from(), range.to(), range.step())) {
                    series.add(new MetricQueries.Series(s.name(), s.instance(), group.organization() + "/" + group.name(),
                            s.points()));
                }
            }
            return new Answer(range.from(), range.to(), range.step().toString(), series);
        }
        MetricQueries.By key;
        try {
            key = MetricQueries.By.valueOf(grouping.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("by must be one of none, organization, group, os, node, instance; got '" + by + "'");
        }
        return new Answer(range.from(), range.to(), range.step().toString(),
                queries.fleet(name.strip(), visible, key, range.from(), range.to(), range.step()));
    }

    private NodeId visible(String id, Operator operator) {
        NodeId node;
        try {
            node = NodeId.parse(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("node id must be a UUID, got '" + id + "'");
        }
        nodes.require(node, groups.nodesIn(operator.scope(Permission.NODES_READ)));
        return node;
    }
}
