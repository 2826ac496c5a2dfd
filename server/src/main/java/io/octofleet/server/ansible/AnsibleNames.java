package io.octofleet.server.ansible;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How Octofleet names become Ansible names (docs/ansible.md). Ansible group names must be valid variable names:
 * ASCII letters, digits and underscores, not starting with a digit. Every name here is a function of the fleet alone
 * (never of the order rows came in), so two inventory runs over the same fleet name everything alike.
 */
final class AnsibleNames {
    /** Names Ansible gives a meaning of its own. */
    static final Set<String> RESERVED = Set.of("all", "ungrouped", "_meta");
    static final String TAG_PREFIX = "tag_";

    private AnsibleNames() {
    }

    /** Every character outside {@code [A-Za-z0-9_]} becomes {@code _}; a leading digit gets a {@code _} in front. */
    static String sanitised(String name) {
        String chars = validChars(name);
        return chars.isEmpty() || Character.isDigit(chars.charAt(0)) ? "_" + chars : chars;
    }

    private static String validChars(String name) {
        StringBuilder out = new StringBuilder(name.length());
        name.codePoints().forEach(c -> out.append(
                (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                        ? (char) c : '_'));
        return out.toString();
    }

    /** {@code tag_} and the sanitised tag: {@code rack:b7} is {@code tag_rack_b7}. Tags that map alike share a group. */
    static String tagGroup(String tag) {
        return TAG_PREFIX + validChars(tag);
    }

    /**
     * The Ansible name of each Octofleet group. A group keeps its sanitised name unless that is reserved, starts with
     * {@code tag_} (the tag groups' namespace) or is shared with another group; then it becomes
     * {@code <sanitised>_<first 8 hex digits of its id>}, and the whole id if even that is taken.
     */
    static Map<UUID, String> groupNames(Map<UUID, String> groups) {
        Map<String, Long> counts = groups.values().stream().map(AnsibleNames::sanitised)
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        Map<UUID, String> names = new LinkedHashMap<>();
        groups.forEach((id, name) -> {
            String base = sanitised(name);
            boolean clash = counts.get(base) > 1 || RESERVED.contains(base) || base.startsWith(TAG_PREFIX);
            names.put(id, clash ? base + "_" + id.toString().substring(0, 8) : base);
        });
        return withUniqueFallback(names,
                (id, taken) -> sanitised(groups.get(id)) + "_" + id.toString().replace("-", ""));
    }

    /**
     * The inventory hostname of each node: its hostname, unless several nodes share it; then each of them is
     * {@code <hostname>-<first 8 hex digits of its node id>} (the whole id if even that is taken).
     */
    static <K> Map<K, String> hostNames(Map<K, String> hostnames, Function<K, String> id) {
        Map<String, Long> counts = hostnames.values().stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        Map<K, String> names = new LinkedHashMap<>();
        hostnames.forEach((key, hostname) -> names.put(key,
                counts.get(hostname) > 1 ? hostname + "-" + id.apply(key).substring(0, 8) : hostname));
        return withUniqueFallback(names, (key, name) -> hostnames.get(key) + "-" + id.apply(key));
    }

    private interface Fallback<K> {
        String name(K key, String taken);
    }

    /**
     * Replaces every name that is still shared (a suffixed name that happens to equal another one) by its fallback,
     * which includes a whole id and so is unique.
     */
    private static <K> Map<K, String> withUniqueFallback(Map<K, String> names, Fallback<K> fallback) {
        Map<String, Long> counts = new HashMap<>(names.values().stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting())));
        Map<K, String> unique = new LinkedHashMap<>();
        names.forEach((key, name) -> unique.put(key, counts.get(name) > 1 ? fallback.name(key, name) : name));
        return unique;
    }
}
