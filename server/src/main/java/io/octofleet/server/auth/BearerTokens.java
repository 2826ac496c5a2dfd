package io.octofleet.server.auth;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;

import java.util.Optional;

final class BearerTokens {
    private BearerTokens() {
    }

    static Optional<String> from(HttpRequest<?> request) {
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }
}
