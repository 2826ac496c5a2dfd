package io.octofleet.server.audit;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.octofleet.server.database.JsonColumns;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.scheduling.annotation.Scheduled;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.nodes.Page;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static io.octofleet.server.db.Tables.AUDIT_LOG;

/**
 * The append-only audit log (docs/auth.md#audit-log). Writing never fails the action it records: a write that
 * fails is logged at ERROR instead, since refusing every change while the audit table is unwritable would turn an
 * audit problem into an outage — PostgreSQL being down stops both anyway.
 */
@Singleton
public class AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    static final int MAX_PAGE = 500;
    static final int MAX_TEXT = 2000;

    private final DSLContext dsl;
    private final Duration retention;
    private final JsonColumns columns;
    private final Organizations organizations;

    AuditLog(DSLContext dsl, @Value("${octofleet.audit.retention:365d}") Duration retention, JsonColumns columns,
             Organizations organizations) {
        this.dsl = dsl;
        this.retention = retention;
        this.columns = columns;
        this.organizations = organizations;
    }

    /** Appends one server-wide entry (a login, a logout). */
    public void record(String actor, String action, @Nullable String target, @Nullable String sourceAddress,
                       boolean success, @Nullable Integer httpStatus, @Nullable String details) {
        record(actor, action, target, sourceAddress, success, httpStatus, details, null);
    }

    /** Appends one entry the server made on its own (an alert firing), in {@code organization}'s log. */
    public void recordSystem(io.octofleet.server.organizations.OrganizationId organization, String action,
                             @Nullable String target, @Nullable String details, @Nullable Object after) {
        record("system", action, target, null, true, null, details, new Context(organization, null, after));
    }

    /** Appends one entry, with what the route described of it ({@link #describe}), if anything. */
    void record(String actor, String action, @Nullable String target, @Nullable String sourceAddress,
                boolean success, @Nullable Integer httpStatus, @Nullable String details, @Nullable Context context) {
        try {
            dsl.insertInto(AUDIT_LOG)
                    .set(AUDIT_LOG.ORGANIZATION_ID, context == null || context.organization() == null ? null
                            : context.organization().value())
                    .set(AUDIT_LOG.BEFORE, context == null ? null : columns.write(context.before()))
                    .set(AUDIT_LOG.AFTER, context == null ? null : columns.write(context.after()))
                    .set(AUDIT_LOG.ACTOR, clip(actor))
                    .set(AUDIT_LOG.ACTION, clip(action))
                    .set(AUDIT_LOG.TARGET, clip(target))
                    .set(AUDIT_LOG.SOURCE_ADDRESS, sourceAddress)
                    .set(AUDIT_LOG.RESULT, success ? "success" : "failure")
                    .set(AUDIT_LOG.HTTP_STATUS, httpStatus)
                    .set(AUDIT_LOG.DETAILS, clip(details))
                    .execute();
        } catch (RuntimeException e) {
            LOG.error("Cannot write audit entry ({} {} {} {}): {}", actor, action, target, success, e.toString());
        }
    }

    /** Failed logins within {@code window}: for the user named {@code username}, and from {@code sourceAddress}. */
    public record RecentFailures(int forUser, int fromAddress) {
    }

    public RecentFailures recentLoginFailures(String username, String sourceAddress, Duration window) {
        var since = Instant.now().minus(window).atOffset(ZoneOffset.UTC);
        // a directory that could not be asked (503) is not the user's failure
        var failed = AUDIT_LOG.ACTION.eq("login_failed").and(AUDIT_LOG.AT.ge(since))
                .and(AUDIT_LOG.HTTP_STATUS.isNull().or(AUDIT_LOG.HTTP_STATUS.ne(503)));
        var counts = dsl.select(
                        DSL.count().filterWhere(AUDIT_LOG.TARGET.eq(username)),
                        DSL.count().filterWhere(AUDIT_LOG.SOURCE_ADDRESS.eq(sourceAddress)))
                .from(AUDIT_LOG).where(failed)
                .fetchOne();
        return new RecentFailures(counts.value1(), counts.value2());
    }

    static final String CONTEXT_ATTRIBUTE = "octofleet.audit.context";

    /** What a route adds to the entry the audit filter writes for its request (see {@link #describe}). */
    record Context(@Nullable io.octofleet.server.organizations.OrganizationId organization, @Nullable Object before,
                   @Nullable Object after) {
    }

    /**
     * Called by a route that changes something, to say which organization the change concerns (null: server-wide)
     * and, for settings and bindings, the object before and after the change (serialised as JSON; null where there
     * is none, e.g. before a creation). Secrets must not be in {@code before}/{@code after}.
     */
    public static void describe(io.micronaut.http.HttpRequest<?> request,
                                @Nullable io.octofleet.server.organizations.OrganizationId organization,
                                @Nullable Object before, @Nullable Object after) {
        request.setAttribute(CONTEXT_ATTRIBUTE, new Context(organization, before, after));
    }

    /** The address a request came from, as the audit log records it. */
    public static String sourceAddress(io.micronaut.http.HttpRequest<?> request) {
        java.net.InetSocketAddress remote = request.getRemoteAddress();
        return remote.getAddress() == null ? remote.getHostString() : remote.getAddress().getHostAddress();
    }

    /**
     * Entries newest first. An auditor sees the entries of the organizations where they hold {@code audit:read};
     * server-wide entries (organization null: logins, users, roles, auth sources) only if they hold it everywhere.
     */
    Page<AuditEntry> find(Operator.Scope scope, @Nullable String actor, @Nullable String action,
                          @Nullable Instant from, @Nullable Instant to, int offset, int limit) {
        Condition c = scope.everywhere() ? DSL.trueCondition() : scope.wholeOrganizations(AUDIT_LOG.ORGANIZATION_ID);
        if (actor != null) {
            c = c.and(AUDIT_LOG.ACTOR.eq(actor));
        }
        if (action != null) {
            c = c.and(AUDIT_LOG.ACTION.eq(action));
        }
        if (from != null) {
            c = c.and(AUDIT_LOG.AT.ge(from.atOffset(ZoneOffset.UTC)));
        }
        if (to != null) {
            c = c.and(AUDIT_LOG.AT.lt(to.atOffset(ZoneOffset.UTC)));
        }
        List<AuditEntry> items = dsl.selectFrom(AUDIT_LOG).where(c)
                .orderBy(AUDIT_LOG.AT.desc(), AUDIT_LOG.ID.desc())
                .offset(offset).limit(limit)
                .fetch(r -> new AuditEntry(r.getId(), r.getAt().toInstant(), r.getActor(), r.getAction(),
                        r.getTarget(), r.getOrganizationId() == null ? null : organizations.name(r.getOrganizationId()),
                        r.getSourceAddress(), r.getResult(), r.getHttpStatus(), r.getDetails(), columns.read(r.getBefore(), Argument.of(JsonNode.class)),
                        columns.read(r.getAfter(), Argument.of(JsonNode.class))));
        return new Page<>(items, dsl.fetchCount(AUDIT_LOG, c));
    }

    /** Deletes entries older than {@code octofleet.audit.retention}: the only deletion the table allows. */
    @Scheduled(fixedDelay = "1h", initialDelay = "1m")
    void applyRetention() {
        int deleted = dsl.transactionResult(cfg -> {
            cfg.dsl().execute("SET LOCAL octofleet.audit_retention = 'on'");
            return cfg.dsl().deleteFrom(AUDIT_LOG)
                    .where(AUDIT_LOG.AT.lt(Instant.now().minus(retention).atOffset(ZoneOffset.UTC)))
                    .execute();
        });
        if (deleted > 0) {
            LOG.info("Audit retention ({}): deleted {} entries", retention, deleted);
        }
    }

    private static @Nullable String clip(@Nullable String text) {
        return text == null || text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT);
    }
}
