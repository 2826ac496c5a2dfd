package io.octofleet.server.parameters;

import io.micronaut.core.annotation.Nullable;

import java.time.Instant;

/** A row of {@code parameters}: a plain value, or for a secret the sealed value and its key id. */
record StoredParameter(ParameterOwner owner, String key, boolean secret, @Nullable String value,
                       @Nullable SecretCipher.Sealed sealed, Instant updatedAt) {

    /** The API's view: never the value of a secret. */
    Parameter shown() {
        return new Parameter(key, secret ? null : value, secret, updatedAt);
    }
}
