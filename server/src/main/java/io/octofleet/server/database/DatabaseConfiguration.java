package io.octofleet.server.database;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;

/**
 * {@code octofleet.db.*}: an external PostgreSQL when {@code url} is set, otherwise the embedded default under
 * OCTOFLEET_HOME. {@code embeddedPort} 0 picks a free loopback port at every start.
 */
@ConfigurationProperties("octofleet.db")
public record DatabaseConfiguration(@Nullable String url, @Nullable String user, @Nullable String password,
                                    @Nullable Integer embeddedPort) {
    boolean external() {
        return url != null && !url.isBlank();
    }
}
