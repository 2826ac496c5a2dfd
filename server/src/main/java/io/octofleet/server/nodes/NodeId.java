package io.octofleet.server.nodes;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.micronaut.serde.annotation.Serdeable;

import java.util.UUID;

/** A node's identity: the subject of its agent certificate and the {@code id} in the API (a bare UUID string). */
@Serdeable
public record NodeId(UUID value) {
    @JsonCreator
    public NodeId {
        java.util.Objects.requireNonNull(value, "value");
    }

    @JsonValue
    @Override
    public UUID value() {
        return value;
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
