package io.octofleet.server.roles;

import io.micronaut.serde.annotation.Serdeable;

import java.util.List;
import java.util.UUID;

/** A named set of permissions ({@code nodes:read} …). Built-in roles cannot be changed or deleted. */
@Serdeable
public record Role(@com.fasterxml.jackson.annotation.JsonIgnore UUID id, String name, String description,
                   List<String> permissions, boolean builtin) {
    public Role {
        permissions = List.copyOf(permissions);
    }
}
