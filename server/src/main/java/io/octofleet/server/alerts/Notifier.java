package io.octofleet.server.alerts;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Delivers the queued notifications (alert_notifications) through their channel's plugin, oldest first, every
 * {@code octofleet.alerts.delivery-interval} (5 s). A failed delivery is tried again after 5 s, 10 s, 20 s … up to an
 * hour between tries, {@value #MAX_ATTEMPTS} times in all (about a day); rows are claimed with SKIP LOCKED, so replicas
 * share the work and none is sent twice at once.
 */
@Singleton
public class Notifier {
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
    static final int MAX_ATTEMPTS = 30;
    private static final int BATCH = 20;

    private final DSLContext dsl;
    private final Alerting alerting;

    Notifier(DSLContext dsl, Alerting alerting) {
        this.dsl = dsl;
        this.alerting = alerting;
    }

    @Scheduled(fixedDelay = "${octofleet.alerts.delivery-interval:5s}", initialDelay = "5s")
    void scheduled() {
        try {
            deliverDue();
        } catch (RuntimeException e) {
            LOG.warn("Notification delivery failed (retried at the next interval): {}", e.toString());
        }
    }

    /** Delivers what is due now; returns how many were delivered. */
    public int deliverDue() {
        int delivered = 0;
        while (true) {
            int[] round = dsl.transactionResult(tx -> {
                DSLContext db = tx.dsl();
                int ok = 0;
                int seen = 0;
                for (Record n : db.fetch("SELECT id, channel_id, event, payload, attempts FROM alert_notifications "
                        + "WHERE delivered_at IS NULL AND next_attempt_at <= now() ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED", BATCH)) {
                    seen++;
                    long id = n.get("id", Long.class);
                    int attempts = n.get("attempts", Integer.class) + 1;
                    String error = deliver(n.get("channel_id", UUID.class), n.get("event", String.class),
                            n.get("payload", JSONB.class).data());
                    if (error == null) {
                        db.execute("UPDATE alert_notifications SET delivered_at = now(), attempts = ?, last_error = NULL "
                                + "WHERE id = ?", attempts, id);
                        ok++;
                    } else if (attempts >= MAX_ATTEMPTS) {
                        LOG.error("Giving up notification {} after {} attempts: {}", id, attempts, error);
                        db.execute("UPDATE alert_notifications SET attempts = ?, last_error = ?, "
                                + "next_attempt_at = 'infinity' WHERE id = ?", attempts, "gave up: " + error, id);
                    } else {
                        long wait = Math.min(Duration.ofHours(1).toSeconds(), 5L << Math.min(attempts - 1, 20));
                        LOG.warn("Notification {} not delivered (attempt {}), next try in {} s: {}", id, attempts, wait, error);
                        db.execute("UPDATE alert_notifications SET attempts = ?, last_error = ?, "
                                + "next_attempt_at = now() + make_interval(secs => ?) WHERE id = ?", attempts, error, wait, id);
                    }
                }
                return new int[] {ok, seen};
            });
            delivered += round[0];
            if (round[1] < BATCH) {
                return delivered;
            }
        }
    }

    /** @return null when delivered, else why not */
    String deliver(UUID channelId, String event, String body) {
        Optional<Alerting.Target> target;
        try {
            target = alerting.target(channelId);
        } catch (IllegalStateException sealedWithAnotherKey) {
            return sealedWithAnotherKey.getMessage();
        }
        if (target.isEmpty()) {
            return "channel " + channelId + " no longer exists";
        }
        NotificationChannel plugin = alerting.plugin(target.get().kind());
        if (plugin == null) {
            return "no plugin for channel kind '" + target.get().kind() + "'";
        }
        try {
            plugin.deliver(target.get().settings(), target.get().secret(), event, body);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}
