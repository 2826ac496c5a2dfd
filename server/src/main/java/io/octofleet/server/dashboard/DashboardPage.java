package io.octofleet.server.dashboard;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;

/**
 * How the entry page is answered: never cached (it names the current hashed bundles), and with the headers that keep
 * the dashboard to its own origin — scripts only from here, no framing, no referrer (an SSO hand-over carries the
 * session in the URL fragment).
 */
public final class DashboardPage {
    /** Scripts and connections only to this origin; styles may be inline (components set them). */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
            + "form-action 'self'; object-src 'none'";

    private DashboardPage() {
    }

    /**
     * Whether the client asks for HTML by name, as browsers do when they navigate; a wildcard ({@code curl},
     * scripts) does not count, so those keep getting JSON.
     */
    public static boolean wantsHtml(HttpRequest<?> request) {
        return request.getHeaders().accept().stream()
                .anyMatch(t -> t.getType().equals("text") && t.getSubtype().equals("html"));
    }

    public static MutableHttpResponse<byte[]> entryPage(byte[] html) {
        return HttpResponse.ok(html)
                .contentType(MediaType.TEXT_HTML_TYPE)
                .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("X-Frame-Options", "DENY")
                .header("Referrer-Policy", "no-referrer");
    }
}
