package io.octofleet.server.root;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.auth.Anonymous;
import io.octofleet.server.dashboard.DashboardAssets;
import io.octofleet.server.dashboard.DashboardPage;

/**
 * What is at the server's address: for a browser, the dashboard; for a script (or when the server was built without
 * the dashboard), an index of where the API, its login, the health check and the dashboard are. Unauthenticated and
 * free of secrets.
 */
@Controller
final class RootController {
    private static final String VERSION = RootController.class.getPackage().getImplementationVersion();
    private final DashboardAssets dashboard;

    RootController(DashboardAssets dashboard) {
        this.dashboard = dashboard;
    }

    @Serdeable
    record Index(String name, String version, String api, String login, String health, String dashboard) {
    }

    @Anonymous // the index of what is where, or the dashboard's entry page; no data
    @Get(produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_HTML})
    HttpResponse<?> index(HttpRequest<?> request) {
        if (DashboardPage.wantsHtml(request) && dashboard.index().isPresent()) {
            return DashboardPage.entryPage(dashboard.index().get());
        }
        return HttpResponse.ok(new Index("Octofleet", VERSION == null ? "dev" : VERSION, "/api/v1",
                        "POST /api/v1/auth/login", "/health",
                        dashboard.index().isPresent() ? "/" : "not built (the server was built with -Dskip.ui)"))
                .contentType(MediaType.APPLICATION_JSON_TYPE);
    }
}
