package io.octofleet.server.problem;

import io.micronaut.http.HttpStatus;

/**
 * A failure the API caller can act on. Carries the HTTP status, a stable problem type slug (part of the API: clients
 * may switch on it) and a human-readable detail naming the target.
 */
public class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final String type;

    public ApiException(HttpStatus status, String type, String detail) {
        super(detail);
        this.status = status;
        this.type = type;
    }

    public HttpStatus status() {
        return status;
    }

    /** Stable slug, e.g. {@code not-found}; rendered as {@code https://octofleet.io/problems/<slug>}. */
    public String type() {
        return type;
    }

    public static ApiException notFound(String what) {
        return new ApiException(HttpStatus.NOT_FOUND, "not-found", what + " not found");
    }

    public static ApiException invalid(String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid-request", detail);
    }
}
