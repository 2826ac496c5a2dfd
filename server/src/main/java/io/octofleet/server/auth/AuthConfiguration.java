package io.octofleet.server.auth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/** {@code octofleet.admin-password} seeds the first admin; {@code octofleet.auth.session-ttl} bounds a login. */
@ConfigurationProperties("octofleet.auth")
record AuthConfiguration(@Bindable(defaultValue = "12h") Duration sessionTtl) {
}
