package io.octofleet.server.dashboard;

import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.octofleet.server.auth.Anonymous;
import io.octofleet.server.problem.Problem;

import java.util.Optional;

/**
 * Client-side routes ({@code /nodes/…}, {@code /jobs/…}) are pages of the single-page dashboard: a browser asking
 * for one that matches no API route and no static file gets the dashboard's entry page, whose router shows it.
 * Everything else that matches nothing (the API, files that do not exist, non-browser clients) keeps the 404
 * problem.
 */
@Controller
final class DashboardFallback {
    private final DashboardAssets assets;

    DashboardFallback(DashboardAssets assets) {
        this.assets = assets;
    }

    @Anonymous // the entry page of the dashboard: static, no data
    @Error(status = HttpStatus.NOT_FOUND, global = true)
    HttpResponse<?> notFound(HttpRequest<?> request) {
        Optional<byte[]> index = assets.index();
        if (index.isPresent() && isPageRequest(request)) {
            return DashboardPage.entryPage(index.get());
        }
        return HttpResponse.<Problem>status(HttpStatus.NOT_FOUND)
                .contentType(Problem.MEDIA_TYPE)
                .body(Problem.of("not-found", 404, "Not Found", "no such resource: " + request.getPath(),
                        request.getPath()));
    }

    /** A browser navigating to a page: GET, outside the API and the meters, not a file name, accepting HTML. */
    static boolean isPageRequest(HttpRequest<?> request) {
        if (request.getMethod() != HttpMethod.GET && request.getMethod() != HttpMethod.HEAD) {
            return false;
        }
        String path = request.getPath();
        if (path.startsWith("/api/") || path.equals("/api") || path.equals("/metrics") || path.startsWith("/health")
                || path.startsWith("/assets/")) {
            return false;
        }
        String last = path.substring(path.lastIndexOf('/') + 1);
        if (last.contains(".")) {
            return false;
        }
        return DashboardPage.wantsHtml(request);
    }
}
