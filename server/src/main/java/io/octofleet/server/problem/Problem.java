package io.octofleet.server.problem;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** RFC 9457 problem details, the body of every error response. */
@Serdeable
public record Problem(String type, String title, int status, @Nullable String detail, @Nullable String instance) {
    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_BASE = "https://octofleet.io/problems/";

    public static Problem of(String slug, int status, String title, @Nullable String detail, @Nullable String instance) {
        return new Problem(TYPE_BASE + slug, title, status, detail, instance);
    }
}
