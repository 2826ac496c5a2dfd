package io.octofleet.server.nodes;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/** One page of a list, with the number of items on all pages together. */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS) // an empty page still has "items": []
public record Page<T>(List<T> items, long total) {
    public Page {
        items = List.copyOf(items);
    }
}
