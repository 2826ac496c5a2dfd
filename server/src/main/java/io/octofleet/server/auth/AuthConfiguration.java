package io.octofleet.server.auth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * {@code octofleet.admin-password} seeds the first admin; {@code octofleet.auth.session-ttl} bounds a login;
 * {@code lockout-failures} failed logins of one user, or {@code rate-limit-failures} from one address, within
 * {@code lockout-window} refuse further attempts until the window has moved past them.
 */
@ConfigurationProperties("octofleet.auth")
record AuthConfiguration(@Bindable(defaultValue = "12h") Duration sessionTtl,
                         @Bindable(defaultValue = "5") int lockoutFailures,
                         @Bindable(defaultValue = "30") int rateLimitFailures,
                         @Bindable(defaultValue = "15m") Duration lockoutWindow) {
}
