package io.octofleet.server.jobs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.problem.ApiException;

import java.util.Objects;
import java.util.UUID;

/** A job's identity, a bare UUID string in the API. */
@Serdeable
public record JobId(UUID value) {
    @JsonCreator
    public JobId {
        Objects.requireNonNull(value, "value");
    }

    @JsonValue
    @Override
    public UUID value() {
        return value;
    }

    static JobId random() {
        return new JobId(UUID.randomUUID());
    }

    /** Parses a path segment; a malformed one is the caller's error (400). */
    static JobId parse(String text) {
        try {
            return new JobId(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("job id must be a UUID, got '" + text + "'");
        }
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
