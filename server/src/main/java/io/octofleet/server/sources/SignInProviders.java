package io.octofleet.server.sources;

import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.auth.Anonymous;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /api/v1/auth/providers}: the single sign-on buttons a login page offers, one per enabled OIDC source in
 * position order. Only names and login paths: nothing of a source's settings.
 */
@Controller("/api/v1/auth/providers")
@ExecuteOn(TaskExecutors.BLOCKING)
final class SignInProviders {
    private final AuthSources sources;

    SignInProviders(AuthSources sources) {
        this.sources = sources;
    }

    @Serdeable
    record Provider(String name, String displayName, String loginUrl) {
    }

    @Serdeable
    record Providers(List<Provider> items) {
    }

    @Anonymous // the login page needs it before anyone is signed in; names only
    @Get
    Providers list() {
        return new Providers(sources.list().stream()
                .filter(s -> s.type().equals("oidc") && s.enabled())
                .sorted(Comparator.comparingInt(AuthSource::position).thenComparing(AuthSource::name))
                .map(s -> new Provider(s.name(), displayName(s),
                        "/api/v1/auth/oidc/" + URLEncoder.encode(s.name(), StandardCharsets.UTF_8).replace("+", "%20")
                                + "/login"))
                .toList());
    }

    private static String displayName(AuthSource source) {
        Object label = source.settings().get("displayName");
        return label instanceof String s && !s.isBlank() ? s : source.name();
    }
}
