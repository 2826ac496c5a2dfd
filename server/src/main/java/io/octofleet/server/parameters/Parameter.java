package io.octofleet.server.parameters;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;

/** A parameter as the API shows it: a secret has {@code secret: true} and {@code value: null}, always. */
@Serdeable
public record Parameter(String key, @Nullable String value, boolean secret, Instant updatedAt) {
}
