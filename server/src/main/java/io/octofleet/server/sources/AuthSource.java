package io.octofleet.server.sources;

import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * An LDAP directory or OIDC provider operators sign in through, as the API shows it: the settings without the bind
 * password or client secret, of which only {@code secretSet} tells.
 */
@Serdeable
public record AuthSource(UUID id, String name, String type, boolean enabled, int position,
                         Map<String, Object> settings, boolean secretSet, Instant createdAt, Instant updatedAt) {
    public AuthSource {
        settings = Map.copyOf(settings);
    }

    public boolean ldap() {
        return type.equals("ldap");
    }
}
