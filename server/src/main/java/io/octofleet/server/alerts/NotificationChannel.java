package io.octofleet.server.alerts;

import java.util.Map;

/**
 * A kind of place notifications go: a plugin, found as a bean by {@link #kind()}. The generic webhook is the one
 * built in; Slack, Teams or e-mail implement this interface the same way (their settings in {@code settings}, their
 * credential as the sealed secret) and need no change elsewhere.
 */
public interface NotificationChannel {

    /** The channel's {@code kind} in the API and the database, e.g. {@code webhook}. */
    String kind();

    /**
     * Checks settings before they are stored.
     *
     * @return why they are unusable, or null
     */
    String invalid(Map<String, Object> settings, boolean hasSecret);

    /**
     * Delivers one notification. Returns normally only when the receiver took it; throws otherwise, and the
     * notification is tried again later.
     *
     * @param secret the channel's secret in clear, null when it has none
     * @param event  {@code firing}, {@code resolved} or {@code test}
     * @param body   the notification as JSON (docs/alerts.md)
     */
    void deliver(Map<String, Object> settings, String secret, String event, String body) throws Exception;
}
