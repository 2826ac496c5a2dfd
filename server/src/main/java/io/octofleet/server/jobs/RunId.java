package io.octofleet.server.jobs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/** One run: a job on one node, one attempt. The agent knows it by this id (RunAssignment.run_id). */
@Serdeable
public record RunId(UUID value) {
    @JsonCreator
    public RunId {
        Objects.requireNonNull(value, "value");
    }

    @JsonValue
    @Override
    public UUID value() {
        return value;
    }

    static RunId random() {
        return new RunId(UUID.randomUUID());
    }

    /** Parses a run id an agent sent; empty when it is not one of ours. */
    public static Optional<RunId> fromAgent(String text) {
        try {
            return Optional.of(new RunId(UUID.fromString(text)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
