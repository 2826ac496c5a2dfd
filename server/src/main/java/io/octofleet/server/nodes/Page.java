package io.octofleet.server.nodes;

import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/** One page of a list, with the number of items on all pages together. */
@Serdeable
public record Page<T>(List<T> items, long total) {
    public Page {
        items = List.copyOf(items);
    }
}
