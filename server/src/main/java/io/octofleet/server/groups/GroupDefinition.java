package io.octofleet.server.groups;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.rules.Rule;
import io.octofleet.server.rules.RuleException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What an operator asks a group to be, checked for shape: a name of 1-{@value #MAX_NAME} characters, a kind, and
 * either members (static) or a valid rule (dynamic), never both. Whether the members exist and the name is free is
 * the service's to check.
 */
record GroupDefinition(String name, GroupKind kind, List<NodeId> nodeIds, @Nullable Rule rule) {
    static final int MAX_NAME = 100;

    GroupDefinition {
        nodeIds = List.copyOf(nodeIds);
    }

    /** @throws ApiException invalid-request naming the field and what it accepts */
    static GroupDefinition parse(@Nullable String name, @Nullable String kind, @Nullable List<String> nodeIds,
                                 @Nullable String rule) {
        String trimmed = name == null ? "" : name.strip();
        if (trimmed.isEmpty() || trimmed.length() > MAX_NAME || trimmed.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.invalid("name must be 1-" + MAX_NAME + " characters without control characters");
        }
        GroupKind parsedKind = GroupKind.fromApiName(kind == null ? "" : kind).orElseThrow(() ->
                ApiException.invalid("kind must be one of static, dynamic; got " + (kind == null ? "nothing" : "'" + kind + "'")));
        if (parsedKind == GroupKind.STATIC) {
            if (rule != null) {
                throw ApiException.invalid("a static group has no rule; use kind dynamic for a rule");
            }
            if (nodeIds == null) {
                throw ApiException.invalid("nodeIds is required for a static group (it may be empty)");
            }
            return new GroupDefinition(trimmed, parsedKind, members(nodeIds), null);
        }
        if (nodeIds != null) {
            throw ApiException.invalid("a dynamic group has no nodeIds; its rule selects the members");
        }
        if (rule == null || rule.isBlank()) {
            throw ApiException.invalid("rule is required for a dynamic group");
        }
        try {
            return new GroupDefinition(trimmed, parsedKind, List.of(), Rule.parse(rule));
        } catch (RuleException e) {
            throw ApiException.invalid("rule " + e.getMessage());
        }
    }

    private static List<NodeId> members(List<String> nodeIds) {
        LinkedHashSet<NodeId> members = new LinkedHashSet<>();
        for (String id : nodeIds) {
            try {
                members.add(NodeId.parse(id == null ? "" : id));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("nodeIds must hold node ids (UUIDs), got '" + id + "'");
            }
        }
        return new ArrayList<>(members);
    }
}
