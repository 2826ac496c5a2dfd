package io.octofleet.server.alerts;

import io.micronaut.scheduling.annotation.Scheduled;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.database.JsonColumns;
import io.octofleet.server.groups.GroupService;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Evaluates every enabled rule every {@code octofleet.alerts.evaluation-interval} (30 s), on one replica at a time
 * (an advisory lock), and turns what holds into alerts:
 * <ul>
 * <li>a metric rule holds for a series (node and instance) when every sample of the last {@code for} satisfies the
 * comparison and the series has data from the start of that window (within {@link #GRACE}), so a series that just
 * appeared does not fire at once; with {@code for} 0 the latest sample decides;</li>
 * <li>a node_offline rule holds for a node offline since longer than {@code for}.</li>
 * </ul>
 * A new holding series fires an alert (at most one firing per rule, node and instance: the unique index); one that
 * stops holding resolves it. Each change is audited and, unless silenced, queued for the rule's channels in the same
 * transaction ({@link Notifier} delivers).
 */
@Singleton
public class AlertEvaluator {
    private static final Logger LOG = LoggerFactory.getLogger(AlertEvaluator.class);
    /** How late a series may start, or its newest sample be, and still count: about four collection intervals. */
    static final Duration GRACE = Duration.ofSeconds(60);

    private final DSLContext dsl;
    private final Alerting alerting;
    private final GroupService groups;
    private final Organizations organizations;
    private final AuditLog audit;
    private final JsonColumns json;
    private final Clock clock = Clock.systemUTC();

    AlertEvaluator(DSLContext dsl, Alerting alerting, GroupService groups, Organizations organizations, AuditLog audit,
                   JsonColumns json) {
        this.dsl = dsl;
        this.alerting = alerting;
        this.groups = groups;
        this.organizations = organizations;
        this.audit = audit;
        this.json = json;
    }

    @Scheduled(fixedDelay = "${octofleet.alerts.evaluation-interval:30s}", initialDelay = "${octofleet.alerts.evaluation-interval:30s}")
    void scheduled() {
        try {
            evaluate();
        } catch (RuntimeException e) {
            LOG.warn("Alert evaluation failed (retried at the next interval): {}", e.toString());
        }
    }

    /** One change of one alert, for the audit log after the commit. */
    record Change(OrganizationId organization, String event, String rule, UUID alert, String hostname, String instance,
                  Double value) {
    }

    /** Evaluates every rule now; returns what fired and resolved. */
    public List<Change> evaluate() {
        Instant now = clock.instant();
        List<Change> changes = new ArrayList<>();
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            if (!Boolean.TRUE.equals(db.fetchOne("SELECT pg_try_advisory_xact_lock(hashtext('octofleet.alerts.evaluate'))")
                    .get(0, Boolean.class))) {
                return;
            }
            // Disabled rules too while they have firing alerts: those resolve (and say so) rather than fire forever.
            for (Record rule : db.fetch("SELECT * FROM alert_rules r WHERE r.enabled OR EXISTS (SELECT 1 FROM alerts a "
                    + "WHERE a.rule_id = r.id AND a.state = 'firing') ORDER BY r.id")) {
                changes.addAll(evaluate(db, rule, now));
            }
        });
        for (Change c : changes) {
            audit.recordSystem(c.organization(), "alert." + c.event(), "rule '" + c.rule() + "' on " + c.hostname()
                            + (c.instance().isEmpty() ? "" : " [" + c.instance() + "]"),
                    c.value() == null ? null : "value " + c.value(), Map.of("alert", c.alert().toString(), "state", c.event()));
            LOG.info("Alert {}: rule '{}' on {}{} (value {})", c.event(), c.rule(), c.hostname(),
                    c.instance().isEmpty() ? "" : " [" + c.instance() + "]", c.value());
        }
        return changes;
    }

    private record Key(UUID node, String instance) {
    }

    private record Hit(String hostname, Double value) {
    }

    private List<Change> evaluate(DSLContext db, Record rule, Instant now) {
        UUID ruleId = rule.get("id", UUID.class);
        OrganizationId organization = new OrganizationId(rule.get("organization_id", UUID.class));
        Condition nodes = DSL.condition("n.organization_id = {0}", DSL.val(organization.value()));
        UUID group = rule.get("group_id", UUID.class);
        if (group != null) {
            try {
                nodes = nodes.and(DSL.condition("n.id IN (SELECT nodes.id FROM public.nodes WHERE {0})",
                        groups.membership(group, organization)));
            } catch (ApiException groupGone) {
                return List.of();
            }
        }
        Map<Key, Hit> holding = !Boolean.TRUE.equals(rule.get("enabled", Boolean.class)) ? Map.of()
                : "metric".equals(rule.get("kind", String.class)) ? metric(db, rule, nodes, now)
                : offline(db, rule, nodes, now);

        Map<Key, UUID> firing = new HashMap<>();
        for (Record a : db.fetch("SELECT id, node_id, instance FROM alerts WHERE rule_id = ? AND state = 'firing'", ruleId)) {
            firing.put(new Key(a.get(1, UUID.class), a.get(2, String.class)), a.get(0, UUID.class));
        }
        List<Change> changes = new ArrayList<>();
        String name = rule.get("name", String.class);
        for (Map.Entry<Key, Hit> hit : holding.entrySet()) {
            UUID existing = firing.get(hit.getKey());
            if (existing != null) {
                db.execute("UPDATE alerts SET value = ?, last_evaluated_at = ?::timestamptz WHERE id = ?",
                        hit.getValue().value(), Alerting.utc(now), existing);
                continue;
            }
            UUID id = UUID.randomUUID();
            int inserted = db.execute("INSERT INTO alerts (id, rule_id, organization_id, node_id, hostname, instance, state, "
                            + "value, started_at, last_evaluated_at) VALUES (?, ?, ?, ?, ?, ?, 'firing', ?, ?::timestamptz, "
                            + "?::timestamptz) ON CONFLICT (rule_id, node_id, instance) WHERE state = 'firing' DO NOTHING",
                    id, ruleId, organization.value(), hit.getKey().node(), hit.getValue().hostname(), hit.getKey().instance(),
                    hit.getValue().value(), Alerting.utc(now), Alerting.utc(now));
            if (inserted == 1) {
                changes.add(new Change(organization, "firing", name, id, hit.getValue().hostname(), hit.getKey().instance(),
                        hit.getValue().value()));
                notify(db, rule, id, "firing", now);
            }
        }
        for (Map.Entry<Key, UUID> open : firing.entrySet()) {
            if (holding.containsKey(open.getKey())) {
                continue;
            }
            Record resolved = db.fetchOne("UPDATE alerts SET state = 'resolved', resolved_at = ?::timestamptz, "
                    + "last_evaluated_at = ?::timestamptz WHERE id = ? AND state = 'firing' RETURNING hostname, value",
                    Alerting.utc(now), Alerting.utc(now), open.getValue());
            if (resolved != null) {
                changes.add(new Change(organization, "resolved", name, open.getValue(), resolved.get(0, String.class),
                        open.getKey().instance(), resolved.get(1, Double.class)));
                notify(db, rule, open.getValue(), "resolved", now);
            }
        }
        return changes;
    }

    /**
     * Series of the rule's metric whose every sample of the last {@code for} satisfies the comparison and that are
     * still reporting: a series whose newest sample is older than {@link #GRACE} (the agent stopped, the GPU went
     * away) holds nothing, whatever its last values were.
     */
    private Map<Key, Hit> metric(DSLContext db, Record rule, Condition nodes, Instant now) {
        int hold = rule.get("for_seconds", Integer.class);
        String comparator = rule.get("comparator", String.class);
        double threshold = rule.get("threshold", Double.class);
        Instant windowStart = now.minusSeconds(hold);
        Instant lookback = hold == 0 ? now.minus(GRACE) : windowStart.minus(GRACE);
        Map<Key, Hit> hits = new LinkedHashMap<>();
        for (Record r : db.fetch("SELECT s.node_id, n.hostname, s.instance, "
                        + "min(s.value) FILTER (WHERE s.time > {0}) AS wmin, max(s.value) FILTER (WHERE s.time > {0}) AS wmax, "
                        + "count(*) FILTER (WHERE s.time > {0}) AS wcount, min(s.time) AS first, max(s.time) AS newest, "
                        + "(array_agg(s.value ORDER BY s.time DESC))[1] AS last "
                        + "FROM metric_samples s JOIN public.nodes n ON n.id = s.node_id "
                        + "WHERE s.name = {1} AND ({2}::text IS NULL OR s.instance = {2}) AND s.time > {3} AND s.time <= {4} "
                        + "AND {5} GROUP BY 1, 2, 3",
                DSL.val(Alerting.utc(windowStart)), DSL.val(rule.get("metric", String.class)),
                DSL.val(rule.get("instance", String.class)), DSL.val(Alerting.utc(lookback)), DSL.val(Alerting.utc(now)),
                nodes)) {
            double last = r.get("last", Double.class);
            if (r.get("newest", OffsetDateTime.class).toInstant().isBefore(now.minus(GRACE))) {
                continue; // stopped reporting
            }
            boolean holds;
            if (hold == 0) {
                holds = compare(last, comparator, threshold);
            } else {
                long count = r.get("wcount", Long.class);
                Instant first = r.get("first", OffsetDateTime.class).toInstant();
                boolean covered = !first.isAfter(windowStart.plus(GRACE));
                Double extreme = comparator.startsWith(">") ? r.get("wmin", Double.class) : r.get("wmax", Double.class);
                holds = count > 0 && covered && extreme != null && compare(extreme, comparator, threshold);
            }
            if (holds) {
                hits.put(new Key(r.get("node_id", UUID.class), r.get("instance", String.class)),
                        new Hit(r.get("hostname", String.class), last));
            }
        }
        return hits;
    }

    private static boolean compare(double value, String comparator, double threshold) {
        return switch (comparator) {
            case ">" -> value > threshold;
            case ">=" -> value >= threshold;
            case "<" -> value < threshold;
            default -> value <= threshold;
        };
    }

    /** Nodes offline for longer than {@code for} (never seen: since enrollment). */
    private Map<Key, Hit> offline(DSLContext db, Record rule, Condition nodes, Instant now) {
        Instant since = now.minusSeconds(rule.get("for_seconds", Integer.class));
        Map<Key, Hit> hits = new LinkedHashMap<>();
        for (Record r : db.fetch("SELECT n.id, n.hostname FROM public.nodes n WHERE NOT n.online "
                + "AND coalesce(n.last_seen, n.enrolled_at) < {0} AND {1}", DSL.val(Alerting.utc(since)), nodes)) {
            hits.put(new Key(r.get(0, UUID.class), ""), new Hit(r.get(1, String.class), null));
        }
        return hits;
    }

    /** Queues the change for each of the rule's channels, unless a silence covers it. */
    private void notify(DSLContext db, Record rule, UUID alert, String event, Instant now) {
        UUID[] channels = rule.get("channel_ids", UUID[].class);
        if (channels == null || channels.length == 0) {
            return;
        }
        Record a = db.fetchOne("SELECT * FROM alerts WHERE id = ?", alert);
        UUID organization = rule.get("organization_id", UUID.class);
        if (alerting.silenced(organization, rule.get("id", UUID.class), a.get("node_id", UUID.class), now)) {
            return;
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("event", event);
        payload.put("organization", organizations.name(organization));
        Map<String, Object> alertPart = new LinkedHashMap<>();
        alertPart.put("id", alert.toString());
        alertPart.put("state", a.get("state", String.class));
        alertPart.put("instance", a.get("instance", String.class));
        alertPart.put("value", a.get("value", Double.class));
        alertPart.put("startedAt", a.get("started_at", OffsetDateTime.class).toInstant().toString());
        OffsetDateTime resolvedAt = a.get("resolved_at", OffsetDateTime.class);
        alertPart.put("resolvedAt", resolvedAt == null ? null : resolvedAt.toInstant().toString());
        payload.put("alert", alertPart);
        Map<String, Object> rulePart = new LinkedHashMap<>();
        rulePart.put("id", rule.get("id", UUID.class).toString());
        rulePart.put("name", rule.get("name", String.class));
        rulePart.put("severity", rule.get("severity", String.class));
        rulePart.put("condition", describe(rule));
        payload.put("rule", rulePart);
        payload.put("node", Map.of("id", a.get("node_id", UUID.class).toString(), "hostname", a.get("hostname", String.class)));
        for (UUID channel : channels) {
            db.execute("INSERT INTO alert_notifications (alert_id, channel_id, event, payload) "
                    + "SELECT ?, id, ?, ?::jsonb FROM notification_channels WHERE id = ? AND enabled", alert, event,
                    json.write(payload).data(), channel);
        }
    }

    static String describe(Record rule) {
        int hold = rule.get("for_seconds", Integer.class);
        if ("node_offline".equals(rule.get("kind", String.class))) {
            return "node offline for " + hold + "s";
        }
        String instance = rule.get("instance", String.class);
        return rule.get("metric", String.class) + (instance == null ? "" : "[" + instance + "]") + " "
                + rule.get("comparator", String.class) + " " + rule.get("threshold", Double.class) + " for " + hold + "s";
    }
}
