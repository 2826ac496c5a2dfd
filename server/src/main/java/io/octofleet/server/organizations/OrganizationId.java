package io.octofleet.server.organizations;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Objects;
import java.util.UUID;

/** An organization (tenant). The API names organizations by {@code name}; ids stay inside the server. */
@Serdeable
public record OrganizationId(UUID value) {
    /** The organization that exists from the first start, {@code default} (seeded by migration V6). */
    public static final OrganizationId DEFAULT = new OrganizationId(UUID.fromString("00000000-0000-0000-0000-000000000001"));
    public static final String DEFAULT_NAME = "default";

    @JsonCreator
    public OrganizationId {
        Objects.requireNonNull(value, "value");
    }

    @JsonValue
    @Override
    public UUID value() {
        return value;
    }

    public static OrganizationId random() {
        return new OrganizationId(UUID.randomUUID());
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
