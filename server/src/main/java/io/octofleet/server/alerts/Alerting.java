package io.octofleet.server.alerts;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.database.JsonColumns;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.parameters.SecretCipher;
import io.octofleet.server.problem.ApiException;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Alert rules, silences and notification channels as the API sees them: validated, organization-scoped (another
 * organization's rule, silence or channel is a 404), channel secrets sealed and never returned.
 */
@Singleton
public class Alerting {
    private static final Pattern METRIC = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+){0,15}");
    /** {@code gpu.temp > 85 for 5m}, {@code fs.free.pct[/var] < 10 for 10m}. */
    private static final Pattern EXPRESSION = Pattern.compile(
            "\\s*([a-z][a-z0-9_.]*)(?:\\[([^\\]]*)])?\\s*(>=|<=|>|<)\\s*(-?[0-9]+(?:\\.[0-9]+)?)\\s*(?:for\\s+(\\d+)([smhd]))?\\s*");
    private static final Set<String> SEVERITIES = Set.of("info", "warning", "critical");
    static final int MIN_SECRET = 16;
    /** For reading back what was just written (its organization was checked on the way in). */
    private static final Operator.Scope ALL = new Operator.Scope(true, Set.of(), Map.of());

    private final DSLContext dsl;
    private final JsonColumns json;
    private final SecretCipher cipher;
    private final Organizations organizations;
    private final Map<String, NotificationChannel> kinds;

    Alerting(DSLContext dsl, JsonColumns json, SecretCipher cipher, Organizations organizations,
             List<NotificationChannel> kinds) {
        this.dsl = dsl;
        this.json = json;
        this.cipher = cipher;
        this.organizations = organizations;
        this.kinds = kinds.stream().collect(Collectors.toMap(NotificationChannel::kind, k -> k));
    }

    // ------------------------------------------------------------------------------------------------- rules

    @Serdeable
    public record AlertRule(UUID id, String organization, String name, String kind, @Nullable String metric,
                            @Nullable String instance, @Nullable String comparator, @Nullable Double threshold,
                            int forSeconds, @Nullable UUID groupId, String severity, boolean enabled,
                            List<UUID> channelIds, String createdBy, Instant createdAt) {
    }

    /** POST and PUT body. Either {@code expression} or the structured fields. */
    @Serdeable
    public record AlertRuleRequest(@Nullable String name, @Nullable String kind, @Nullable String expression,
                                   @Nullable String metric, @Nullable String instance, @Nullable String comparator,
                                   @Nullable Double threshold, @Nullable String forDuration,
                                   @Nullable Integer forSeconds, @Nullable UUID groupId, @Nullable String severity,
                                   @Nullable Boolean enabled, @Nullable List<UUID> channelIds,
                                   @Nullable String organization) {
    }

    public List<AlertRule> rules(Operator.Scope scope) {
        return dsl.fetch("SELECT * FROM alert_rules WHERE {0} ORDER BY name", scope.wholeOrganizations(ORG))
                .map(this::rule);
    }

    public AlertRule rule(UUID id, Operator.Scope scope) {
        return Optional.ofNullable(dsl.fetchOne("SELECT * FROM alert_rules WHERE id = {0} AND {1}", DSL.val(id),
                        scope.wholeOrganizations(ORG))).map(this::rule)
                .orElseThrow(() -> ApiException.notFound("alert rule " + id));
    }

    public AlertRule createRule(OrganizationId organization, AlertRuleRequest request, String by) {
        UUID id = UUID.randomUUID();
        Valid rule = validate(organization, request);
        write(() -> dsl.execute("INSERT INTO alert_rules (id, organization_id, name, kind, metric, instance, comparator, "
                        + "threshold, for_seconds, group_id, severity, enabled, channel_ids, created_by) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::uuid[], ?)", id, organization.value(), rule.name,
                rule.kind, rule.metric, rule.instance, rule.comparator, rule.threshold, rule.forSeconds, rule.groupId,
                rule.severity, rule.enabled, rule.channelIds.toArray(UUID[]::new), by), rule.name);
        return rule(id, ALL);
    }

    public AlertRule replaceRule(UUID id, Operator.Scope scope, AlertRuleRequest request) {
        AlertRule existing = rule(id, scope);
        OrganizationId organization = organizations.byName(existing.organization()).orElseThrow();
        Valid rule = validate(organization, request);
        write(() -> dsl.execute("UPDATE alert_rules SET name = ?, kind = ?, metric = ?, instance = ?, comparator = ?, "
                        + "threshold = ?, for_seconds = ?, group_id = ?, severity = ?, enabled = ?, channel_ids = ?::uuid[] "
                        + "WHERE id = ?", rule.name, rule.kind, rule.metric, rule.instance, rule.comparator, rule.threshold,
                rule.forSeconds, rule.groupId, rule.severity, rule.enabled, rule.channelIds.toArray(UUID[]::new), id),
                rule.name);
        // Alerts of the old condition no longer mean what they said: they are resolved at the next evaluation.
        return rule(id, scope);
    }

    public void deleteRule(UUID id, Operator.Scope scope) {
        rule(id, scope);
        dsl.execute("DELETE FROM alert_rules WHERE id = ?", id);
    }

    public OrganizationId organizationOfRule(UUID id, Operator.Scope scope) {
        return organizations.byName(rule(id, scope).organization()).orElseThrow();
    }

    private record Valid(String name, String kind, String metric, String instance, String comparator, Double threshold,
                         int forSeconds, UUID groupId, String severity, boolean enabled, List<UUID> channelIds) {
    }

    private Valid validate(OrganizationId organization, AlertRuleRequest r) {
        String name = require(r.name(), "name");
        if (name.length() > 100) {
            throw ApiException.invalid("name: at most 100 characters");
        }
        String kind = r.kind() == null || r.kind().isBlank() ? "metric" : r.kind().strip();
        String metric = r.metric();
        String instance = r.instance();
        String comparator = r.comparator();
        Double threshold = r.threshold();
        Integer forSeconds = r.forSeconds();
        if (r.forDuration() != null && !r.forDuration().isBlank()) {
            forSeconds = seconds(r.forDuration().strip(), "forDuration");
        }
        if (r.expression() != null && !r.expression().isBlank()) {
            if (!kind.equals("metric")) {
                throw ApiException.invalid("expression is for metric rules");
            }
            Matcher m = EXPRESSION.matcher(r.expression());
            if (!m.matches()) {
                throw ApiException.invalid("expression must read like 'gpu.temp > 85 for 5m' or "
                        + "'fs.free.pct[/var] < 10 for 10m'; got '" + r.expression() + "'");
            }
            metric = m.group(1);
            instance = m.group(2);
            comparator = m.group(3);
            threshold = Double.parseDouble(m.group(4));
            if (m.group(5) != null) {
                forSeconds = seconds(m.group(5) + m.group(6), "expression");
            }
        }
        int hold = forSeconds == null ? 0 : forSeconds;
        if (hold < 0 || hold > 604_800) {
            throw ApiException.invalid("for: 0 seconds to 7 days");
        }
        switch (kind) {
            case "metric" -> {
                if (metric == null || !METRIC.matcher(metric).matches()) {
                    throw ApiException.invalid("metric: a metric name such as gpu.temp (docs/metrics.md)");
                }
                if (comparator == null || !Set.of(">", ">=", "<", "<=").contains(comparator)) {
                    throw ApiException.invalid("comparator: one of >, >=, <, <=");
                }
                if (threshold == null || !Double.isFinite(threshold)) {
                    throw ApiException.invalid("threshold: a number");
                }
            }
            case "node_offline" -> {
                if (metric != null || comparator != null || threshold != null) {
                    throw ApiException.invalid("a node_offline rule has no metric, comparator or threshold");
                }
                instance = null;
            }
            default -> throw ApiException.invalid("kind: metric or node_offline, got '" + kind + "'");
        }
        String severity = r.severity() == null ? "warning" : r.severity().strip().toLowerCase(Locale.ROOT);
        if (!SEVERITIES.contains(severity)) {
            throw ApiException.invalid("severity: info, warning or critical");
        }
        if (r.groupId() != null && !dsl.fetchExists(DSL.selectOne().from("groups")
                .where("id = ? AND organization_id = ?", r.groupId(), organization.value()))) {
            throw ApiException.invalid("groupId: no such group in organization " + organizations.name(organization));
        }
        List<UUID> channels = r.channelIds() == null ? List.of() : List.copyOf(r.channelIds());
        if (!channels.isEmpty()) {
            int found = dsl.fetchOne("SELECT count(*) FROM notification_channels WHERE id = ANY(?) AND organization_id = ?",
                    channels.toArray(UUID[]::new), organization.value()).get(0, Integer.class);
            if (found != Set.copyOf(channels).size()) {
                throw ApiException.invalid("channelIds: every channel must exist in organization "
                        + organizations.name(organization));
            }
        }
        return new Valid(name, kind, metric, instance == null || instance.isEmpty() ? null : instance, comparator,
                threshold, hold, r.groupId(), severity, r.enabled() == null || r.enabled(), channels);
    }

    private AlertRule rule(Record r) {
        UUID[] channels = r.get("channel_ids", UUID[].class);
        return new AlertRule(r.get("id", UUID.class), organizations.name(r.get("organization_id", UUID.class)),
                r.get("name", String.class), r.get("kind", String.class), r.get("metric", String.class),
                r.get("instance", String.class), r.get("comparator", String.class), r.get("threshold", Double.class),
                r.get("for_seconds", Integer.class), r.get("group_id", UUID.class), r.get("severity", String.class),
                r.get("enabled", Boolean.class), channels == null ? List.of() : Arrays.asList(channels),
                r.get("created_by", String.class), r.get("created_at", OffsetDateTime.class).toInstant());
    }

    // ------------------------------------------------------------------------------------------------ alerts

    @Serdeable
    public record Alert(UUID id, UUID ruleId, String rule, String severity, String organization, UUID nodeId,
                        String hostname, String instance, String state, @Nullable Double value, Instant startedAt,
                        @Nullable Instant resolvedAt, boolean silenced) {
    }

    public List<Alert> alerts(Operator.Scope scope, @Nullable String state, int limit) {
        if (state != null && !Set.of("firing", "resolved").contains(state)) {
            throw ApiException.invalid("state: firing or resolved");
        }
        Instant now = Instant.now();
        return dsl.fetch("SELECT a.*, r.name AS rule_name, r.severity FROM alerts a JOIN alert_rules r ON r.id = a.rule_id "
                        + "WHERE {0} AND ({1}::text IS NULL OR a.state = {1}) ORDER BY a.started_at DESC LIMIT {2}",
                scope.wholeOrganizations(DSL.field(DSL.name("a", "organization_id"), UUID.class)), DSL.val(state),
                DSL.val(limit)).map(r -> new Alert(r.get("id", UUID.class), r.get("rule_id", UUID.class),
                r.get("rule_name", String.class), r.get("severity", String.class),
                organizations.name(r.get("organization_id", UUID.class)), r.get("node_id", UUID.class),
                r.get("hostname", String.class), r.get("instance", String.class), r.get("state", String.class),
                r.get("value", Double.class), r.get("started_at", OffsetDateTime.class).toInstant(),
                Optional.ofNullable(r.get("resolved_at", OffsetDateTime.class)).map(OffsetDateTime::toInstant).orElse(null),
                silenced(r.get("organization_id", UUID.class), r.get("rule_id", UUID.class), r.get("node_id", UUID.class), now)));
    }

    /** Whether a silence of the organization covers this rule and node now. */
    boolean silenced(UUID organization, UUID rule, UUID node, Instant at) {
        return dsl.fetchExists(DSL.selectOne().from("alert_silences").where(
                "organization_id = ? AND (rule_id IS NULL OR rule_id = ?) AND (node_id IS NULL OR node_id = ?) "
                        + "AND starts_at <= ?::timestamptz AND ends_at > ?::timestamptz",
                organization, rule, node, utc(at), utc(at)));
    }

    // ---------------------------------------------------------------------------------------------- silences

    @Serdeable
    public record Silence(UUID id, String organization, @Nullable UUID ruleId, @Nullable UUID nodeId, Instant startsAt,
                          Instant endsAt, String comment, String createdBy) {
    }

    /** {@code startsAt} defaults to now; either {@code endsAt} or {@code duration} (30m, 2h, PT1H). */
    @Serdeable
    public record SilenceRequest(@Nullable UUID ruleId, @Nullable UUID nodeId, @Nullable Instant startsAt,
                                 @Nullable Instant endsAt, @Nullable String duration, @Nullable String comment,
                                 @Nullable String organization) {
    }

    public List<Silence> silences(Operator.Scope scope) {
        return dsl.fetch("SELECT * FROM alert_silences WHERE {0} AND ends_at > now() ORDER BY starts_at",
                scope.wholeOrganizations(ORG)).map(this::silence);
    }

    public Silence createSilence(OrganizationId organization, SilenceRequest r, String by) {
        String comment = require(r.comment(), "comment");
        Instant starts = r.startsAt() == null ? Instant.now() : r.startsAt();
        Instant ends = r.endsAt();
        if (r.duration() != null && !r.duration().isBlank()) {
            ends = starts.plusSeconds(seconds(r.duration().strip(), "duration"));
        }
        if (ends == null || !ends.isAfter(starts)) {
            throw ApiException.invalid("give endsAt after startsAt, or a duration such as 2h");
        }
        if (r.ruleId() == null && r.nodeId() == null) {
            throw ApiException.invalid("a silence names a ruleId, a nodeId or both");
        }
        if (r.ruleId() != null && !dsl.fetchExists(DSL.selectOne().from("alert_rules")
                .where("id = ? AND organization_id = ?", r.ruleId(), organization.value()))) {
            throw ApiException.invalid("ruleId: no such rule in organization " + organizations.name(organization));
        }
        if (r.nodeId() != null && !dsl.fetchExists(DSL.selectOne().from("nodes")
                .where("id = ? AND organization_id = ?", r.nodeId(), organization.value()))) {
            throw ApiException.invalid("nodeId: no such node in organization " + organizations.name(organization));
        }
        UUID id = UUID.randomUUID();
        dsl.execute("INSERT INTO alert_silences (id, organization_id, rule_id, node_id, starts_at, ends_at, comment, created_by) "
                        + "VALUES (?, ?, ?, ?, ?::timestamptz, ?::timestamptz, ?, ?)", id, organization.value(), r.ruleId(),
                r.nodeId(), utc(starts), utc(ends), comment, by);
        return silence(dsl.fetchOne("SELECT * FROM alert_silences WHERE id = ?", id));
    }

    public OrganizationId deleteSilence(UUID id, Operator.Scope scope) {
        Record r = dsl.fetchOne("SELECT * FROM alert_silences WHERE id = {0} AND {1}", DSL.val(id), scope.wholeOrganizations(ORG));
        if (r == null) {
            throw ApiException.notFound("silence " + id);
        }
        dsl.execute("DELETE FROM alert_silences WHERE id = ?", id);
        return new OrganizationId(r.get("organization_id", UUID.class));
    }

    private Silence silence(Record r) {
        return new Silence(r.get("id", UUID.class), organizations.name(r.get("organization_id", UUID.class)),
                r.get("rule_id", UUID.class), r.get("node_id", UUID.class),
                r.get("starts_at", OffsetDateTime.class).toInstant(), r.get("ends_at", OffsetDateTime.class).toInstant(),
                r.get("comment", String.class), r.get("created_by", String.class));
    }

    // ---------------------------------------------------------------------------------------------- channels

    @Serdeable
    public record Channel(UUID id, String organization, String name, String kind, Map<String, Object> settings,
                          boolean hasSecret, boolean enabled, String createdBy, Instant createdAt) {
    }

    /** {@code secret} is write-only: stored sealed, never returned. */
    @Serdeable
    public record ChannelRequest(@Nullable String name, @Nullable String kind, @Nullable Map<String, Object> settings,
                                 @Nullable String secret, @Nullable Boolean enabled, @Nullable String organization) {
    }

    public List<Channel> channels(Operator.Scope scope) {
        return dsl.fetch("SELECT * FROM notification_channels WHERE {0} ORDER BY name", scope.wholeOrganizations(ORG))
                .map(this::channel);
    }

    public Channel channel(UUID id, Operator.Scope scope) {
        return Optional.ofNullable(dsl.fetchOne("SELECT * FROM notification_channels WHERE id = {0} AND {1}",
                DSL.val(id), scope.wholeOrganizations(ORG))).map(this::channel)
                .orElseThrow(() -> ApiException.notFound("notification channel " + id));
    }

    public Channel createChannel(OrganizationId organization, ChannelRequest r, String by) {
        String name = require(r.name(), "name");
        String kind = require(r.kind(), "kind");
        NotificationChannel plugin = kinds.get(kind);
        if (plugin == null) {
            throw ApiException.invalid("kind: one of " + kinds.keySet().stream().sorted().toList() + ", got '" + kind + "'");
        }
        Map<String, Object> settings = r.settings() == null ? Map.of() : new LinkedHashMap<>(r.settings());
        String secret = r.secret();
        if (secret != null && secret.length() < MIN_SECRET) {
            throw ApiException.invalid("secret: at least " + MIN_SECRET + " characters");
        }
        String invalid = plugin.invalid(settings, secret != null);
        if (invalid != null) {
            throw ApiException.invalid(invalid);
        }
        UUID id = UUID.randomUUID();
        SecretCipher.Sealed sealed = secret == null ? null : cipher.seal(secret, context(id));
        write(() -> dsl.execute("INSERT INTO notification_channels (id, organization_id, name, kind, settings, key_id, "
                        + "ciphertext, enabled, created_by) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)", id, organization.value(),
                name, kind, json.write(settings).data(), sealed == null ? null : sealed.keyId(),
                sealed == null ? null : sealed.bytes(), r.enabled() == null || r.enabled(), by), name);
        return channel(id, ALL);
    }

    public OrganizationId deleteChannel(UUID id, Operator.Scope scope) {
        Channel channel = channel(id, scope);
        dsl.execute("UPDATE alert_rules SET channel_ids = array_remove(channel_ids, ?::uuid)", id);
        dsl.execute("DELETE FROM notification_channels WHERE id = ?", id);
        return organizations.byName(channel.organization()).orElseThrow();
    }

    /** What a plugin needs to deliver: kind, settings and the secret in clear. */
    record Target(UUID id, String kind, Map<String, Object> settings, String secret, boolean enabled) {
    }

    Optional<Target> target(UUID id) {
        return Optional.ofNullable(dsl.fetchOne("SELECT * FROM notification_channels WHERE id = ?", id)).map(r -> {
            byte[] ciphertext = r.get("ciphertext", byte[].class);
            String secret = ciphertext == null ? null
                    : cipher.open(new SecretCipher.Sealed(r.get("key_id", String.class), ciphertext), context(id));
            return new Target(id, r.get("kind", String.class), settings(r), secret, r.get("enabled", Boolean.class));
        });
    }

    NotificationChannel plugin(String kind) {
        return kinds.get(kind);
    }

    private Channel channel(Record r) {
        return new Channel(r.get("id", UUID.class), organizations.name(r.get("organization_id", UUID.class)),
                r.get("name", String.class), r.get("kind", String.class), settings(r), r.get("ciphertext") != null,
                r.get("enabled", Boolean.class), r.get("created_by", String.class),
                r.get("created_at", OffsetDateTime.class).toInstant());
    }

    private Map<String, Object> settings(Record r) {
        Map<String, Object> settings = json.read(r.get("settings", JSONB.class), Argument.mapOf(String.class, Object.class));
        return settings == null ? Map.of() : settings;
    }

    private static String context(UUID channel) {
        return "notification-channel:" + channel;
    }

    // ------------------------------------------------------------------------------------------------ shared

    static final org.jooq.Field<UUID> ORG = DSL.field(DSL.name("organization_id"), UUID.class);

    private static String require(@Nullable String value, String field) {
        if (value == null || value.isBlank()) {
            throw ApiException.invalid(field + " is required");
        }
        return value.strip();
    }

    private static int seconds(String text, String field) {
        Matcher m = Pattern.compile("(\\d+)([smhd])").matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            long s = switch (m.group(2)) {
                case "s" -> n;
                case "m" -> n * 60;
                case "h" -> n * 3600;
                default -> n * 86400;
            };
            if (s > Integer.MAX_VALUE) {
                throw ApiException.invalid(field + ": too long");
            }
            return (int) s;
        }
        try {
            return (int) java.time.Duration.parse(text).toSeconds();
        } catch (java.time.format.DateTimeParseException e) {
            throw ApiException.invalid(field + " must be like 30s, 5m, 2h, 1d or ISO-8601; got '" + text + "'");
        }
    }

    private static void write(Runnable statement, String name) {
        try {
            statement.run();
        } catch (org.jooq.exception.DataAccessException e) {
            if ("23505".equals(e.sqlState())) {
                throw new ApiException(io.micronaut.http.HttpStatus.CONFLICT, "conflict", "'" + name
                        + "' exists already in this organization");
            }
            throw e;
        }
    }

    static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
