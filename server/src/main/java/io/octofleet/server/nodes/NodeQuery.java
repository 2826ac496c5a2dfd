package io.octofleet.server.nodes;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.problem.ApiException;
import io.octofleet.server.rules.Rule;
import io.octofleet.server.rules.RuleException;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A filtered, sorted page of the fleet. {@code text} matches a hostname substring (case-insensitive), a node id
 * prefix, or a NIC's exact IP or MAC address; {@code rule} is a targeting rule (docs/targeting.md); {@code tag} is
 * one tag the node carries. All filters given must hold.
 */
public record NodeQuery(@Nullable String text, @Nullable NodeStatus status, @Nullable Rule rule, @Nullable String tag,
                        int page, int size, Sort sort, boolean descending) {
    public static final int DEFAULT_SIZE = 50;
    public static final int MAX_SIZE = 500;

    public enum Sort {
        HOSTNAME("hostname"), LAST_SEEN("lastSeen"), STATUS("status"), ENROLLED_AT("enrolledAt");

        private final String apiName;

        Sort(String apiName) {
            this.apiName = apiName;
        }

        public String apiName() {
            return apiName;
        }
    }

    /** @throws ApiException invalid-request naming the parameter when page or size is out of range */
    public NodeQuery {
        text = text == null || text.isBlank() ? null : text.strip();
        tag = tag == null || tag.isBlank() ? null : tag.strip().toLowerCase(java.util.Locale.ROOT);
        if (page < 0) {
            throw ApiException.invalid("page must be 0 or more, got " + page);
        }
        if (size < 1 || size > MAX_SIZE) {
            throw ApiException.invalid("size must be between 1 and " + MAX_SIZE + ", got " + size);
        }
        if (sort == null) {
            sort = Sort.HOSTNAME;
        }
    }

    /** The first page of everything, by hostname. */
    public static NodeQuery firstPage() {
        return new NodeQuery(null, null, null, null, 0, DEFAULT_SIZE, Sort.HOSTNAME, false);
    }

    /**
     * Reads the query parameters of {@code GET /api/v1/nodes}; absent ones take their defaults.
     *
     * @throws ApiException invalid-request naming the parameter and the values it allows; for a bad {@code query}
     *                      the detail carries the position, {@code query at 17: expected a value after '='}
     */
    public static NodeQuery parse(@Nullable String q, @Nullable String status, @Nullable String query,
                                  @Nullable String tag, @Nullable String page, @Nullable String size,
                                  @Nullable String sort) {
        NodeStatus parsedStatus = null;
        if (status != null && !status.isBlank()) {
            parsedStatus = NodeStatus.fromApiName(status.strip()).orElseThrow(() -> ApiException.invalid(
                    "status must be one of online, offline; got '" + status + "'"));
        }
        Sort parsedSort = Sort.HOSTNAME;
        boolean descending = false;
        if (sort != null && !sort.isBlank()) {
            String name = sort.strip();
            descending = name.startsWith("-");
            String key = descending ? name.substring(1) : name;
            parsedSort = Arrays.stream(Sort.values()).filter(s -> s.apiName().equals(key)).findFirst()
                    .orElseThrow(() -> ApiException.invalid("sort must be one of "
                            + Arrays.stream(Sort.values()).map(Sort::apiName).collect(Collectors.joining(", "))
                            + " (prefix '-' for descending); got '" + sort + "'"));
        }
        return new NodeQuery(q, parsedStatus, rule(query), tag, integer("page", page, 0),
                integer("size", size, DEFAULT_SIZE), parsedSort, descending);
    }

    private static @Nullable Rule rule(@Nullable String query) {
        if (query == null || query.isBlank()) {
            return null;
        }
        try {
            return Rule.parse(query);
        } catch (RuleException e) {
            throw ApiException.invalid("query " + e.getMessage());
        }
    }

    private static int integer(String parameter, @Nullable String text, int absent) {
        if (text == null || text.isBlank()) {
            return absent;
        }
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw ApiException.invalid(parameter + " must be an integer, got '" + text + "'");
        }
    }
}
