package io.octofleet.server.database;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import org.jooq.JSONB;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Values in {@code jsonb} columns, written and read with the server's JSON mapper (the same serde the API uses).
 * Null stays null both ways. What the server itself wrote always reads back, so a failure is a bug: unchecked.
 */
@Singleton
public final class JsonColumns {
    private final JsonMapper json;

    JsonColumns(JsonMapper json) {
        this.json = json;
    }

    public @Nullable JSONB write(@Nullable Object value) {
        if (value == null) {
            return null;
        }
        try {
            return JSONB.valueOf(json.writeValueAsString(value));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + value.getClass().getSimpleName() + " to jsonb", e);
        }
    }

    public <T> @Nullable T read(@Nullable JSONB value, Argument<T> type) {
        if (value == null) {
            return null;
        }
        try {
            return json.readValue(value.data(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read stored " + type.getName() + ": " + value.data(), e);
        }
    }
}
