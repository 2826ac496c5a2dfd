package io.octofleet.server.parameters;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * A key of a node's inherited view as the API shows it: the winning value (null for a secret) and where it comes
 * from, {@code node}, {@code group:<id>} or {@code global}.
 */
@Serdeable
public record EffectiveParameter(String key, @Nullable String value, boolean secret, String source) {
}
