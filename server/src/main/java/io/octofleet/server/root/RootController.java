package io.octofleet.server.root;

import io.octofleet.server.auth.Anonymous;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.serde.annotation.Serdeable;

/**
 * What an operator or a script finds at the server's address: where the API, its health check and the docs are.
 * Unauthenticated and free of secrets. (The dashboard will be served here when it exists.)
 */
@Controller
final class RootController {
    private static final String VERSION = RootController.class.getPackage().getImplementationVersion();

    @Serdeable
    record Index(String name, String version, String api, String login, String health) {
    }

    @Anonymous // the index of what is where; no data
    @Get
    Index index() {
        return new Index("Octofleet", VERSION == null ? "dev" : VERSION, "/api/v1", "POST /api/v1/auth/login",
                "/health");
    }
}
