package io.octofleet.server.dashboard;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * The dashboard's bundles under {@code /assets/} carry a content hash in their names (Vite), so a browser may keep
 * them for a year; a new build has new names. (The file writer's own one-minute {@code Expires} stays: a
 * {@code max-age} overrides it, RFC 9111 §5.3.)
 */
@ServerFilter("/assets/**")
final class AssetCaching {
    @ResponseFilter
    void cacheForever(HttpRequest<?> request, MutableHttpResponse<?> response) {
        if (response.getStatus() == HttpStatus.OK) {
            response.header(HttpHeaders.CACHE_CONTROL, "public, max-age=31536000, immutable");
            response.header("X-Content-Type-Options", "nosniff");
        }
    }
}
