package io.octofleet.server.nodes;

import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.problem.ApiException;

import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The rules for tags: 1-63 characters of lower-case letters, digits, '-', '_', '.' and ':', at most
 * {@value #MAX_TAGS} per node. Lower case only, so "Lab" and "lab" can never be two tags that look alike.
 */
final class NodeTags {
    static final int MAX_TAGS = 64;
    private static final Pattern TAG = Pattern.compile("[a-z0-9_.:-]{1,63}");

    private NodeTags() {
    }

    /** A tag in use and the number of nodes carrying it. */
    @Serdeable
    record Count(String tag, int nodes) {
    }

    /**
     * The tags sorted and without duplicates.
     *
     * @throws ApiException invalid-request naming the first bad tag, or when there are too many
     */
    static List<String> normalized(List<String> tags) {
        if (tags.size() > MAX_TAGS) {
            throw ApiException.invalid("a node has at most " + MAX_TAGS + " tags, got " + tags.size());
        }
        for (String tag : tags) {
            if (tag == null || !TAG.matcher(tag).matches()) {
                String shown = tag == null ? "null" : "'" + (tag.length() > 70 ? tag.substring(0, 70) + "…" : tag) + "'";
                throw ApiException.invalid("tag " + shown + " must be 1-63 "
                        + "characters of lower-case letters, digits, '-', '_', '.' and ':'");
            }
        }
        return List.copyOf(new TreeSet<>(tags));
    }
}
