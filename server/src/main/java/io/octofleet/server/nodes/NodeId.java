package io.octofleet.server.nodes;

import io.micronaut.serde.annotation.Serdeable;

import java.util.UUID;

/** A node's identity: the subject of its agent certificate and the {@code id} in the API. */
@Serdeable
public record NodeId(UUID value) {
    public NodeId {
        java.util.Objects.requireNonNull(value, "value");
    }

    public static NodeId random() {
        return new NodeId(UUID.randomUUID());
    }

    /** Parses an id from a path or certificate; throws IllegalArgumentException for anything but a UUID. */
    public static NodeId parse(String text) {
        return new NodeId(UUID.fromString(text));
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
