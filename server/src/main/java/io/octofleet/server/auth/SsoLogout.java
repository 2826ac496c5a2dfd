package io.octofleet.server.auth;

import java.util.Optional;
import java.util.UUID;

/** Where to send the browser to end the provider's session too, after an SSO session ended here. */
public interface SsoLogout {
    /** The provider's logout URL for a session opened through auth source {@code sourceId}, if it has one. */
    Optional<String> logoutUrl(UUID sourceId);
}
