package io.octofleet.server.groups;

import com.fasterxml.jackson.annotation.JsonValue;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Static groups list their members; dynamic groups select them with a rule each time they are read. */
@Serdeable
public enum GroupKind {
    STATIC, DYNAMIC;

    @JsonValue
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the API (and database) name; empty for anything else. */
    public static Optional<GroupKind> fromApiName(String text) {
        return Arrays.stream(values()).filter(k -> k.apiName().equals(text)).findFirst();
    }
}
