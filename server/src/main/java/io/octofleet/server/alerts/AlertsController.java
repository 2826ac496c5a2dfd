package io.octofleet.server.alerts;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.RequestAttribute;
import io.micronaut.http.annotation.Status;
import io.micronaut.serde.annotation.Serdeable;
import io.octofleet.server.audit.AuditLog;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.octofleet.server.organizations.OrganizationId;
import io.octofleet.server.organizations.Organizations;
import io.octofleet.server.problem.ApiException;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Alert rules, alerts, silences and notification channels (docs/alerts.md). Reading rules, alerts and silences
 * needs {@code nodes:read}; changing anything, and reading channels (their URLs may carry credentials), needs
 * {@code alerts:manage}. Everything belongs to an organization; another organization's is a 404.
 */
@Controller("/api/v1")
final class AlertsController {
    private static final int MAX_ALERTS = 1000;

    private final Alerting alerting;
    private final Notifier notifier;
    private final Organizations organizations;

    AlertsController(Alerting alerting, Notifier notifier, Organizations organizations) {
        this.alerting = alerting;
        this.notifier = notifier;
        this.organizations = organizations;
    }

    @Serdeable
    record Items<T>(List<T> items, int total) {
        Items(List<T> items) {
            this(items, items.size());
        }
    }

    // rules

    @RequiresPermission(Permission.NODES_READ)
    @Get("/alert-rules")
    Items<Alerting.AlertRule> rules(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return new Items<>(alerting.rules(operator.scope(Permission.NODES_READ)));
    }

    @RequiresPermission(Permission.NODES_READ)
    @Get("/alert-rules/{id}")
    Alerting.AlertRule rule(@PathVariable String id, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return alerting.rule(uuid(id, "alert rule"), operator.scope(Permission.NODES_READ));
    }

    @RequiresPermission(Permission.ALERTS_MANAGE)
    @Post("/alert-rules")
    HttpResponse<Alerting.AlertRule> createRule(@Body Alerting.AlertRuleRequest request, HttpRequest<?> http,
                                                @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        OrganizationId organization = operator.organizationFor(Permission.ALERTS_MANAGE, request.organization(), organizations);
        Alerting.AlertRule rule = alerting.createRule(organization, request, operator.username());
        AuditLog.describe(http, organization, null, rule);
        return HttpResponse.created(rule).header("Location", "/api/v1/alert-rules/" + rule.id());
    }

    @RequiresPermission(Permission.ALERTS_MANAGE)
    @Put("/alert-rules/{id}")
    Alerting.AlertRule replaceRule(@PathVariable String id, @Body Alerting.AlertRuleRequest request, HttpRequest<?> http,
                                   @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        Operator.Scope scope = operator.scope(Permission.ALERTS_MANAGE);
        Alerting.AlertRule before = alerting.rule(uuid(id, "alert rule"), scope);
        Alerting.AlertRule after = alerting.replaceRule(before.id(), scope, request);
        AuditLog.describe(http, alerting.organizationOfRule(before.id(), scope), before, after);
        return after;
    }

    @RequiresPermission(Permission.ALERTS_MANAGE)
    @Delete("/alert-rules/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void deleteRule(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        Operator.Scope scope = operator.scope(Permission.ALERTS_MANAGE);
        Alerting.AlertRule before = alerting.rule(uuid(id, "alert rule"), scope);
        AuditLog.describe(http, alerting.organizationOfRule(before.id(), scope), before, null);
        alerting.deleteRule(before.id(), scope);
    }

    // alerts

    @RequiresPermission(Permission.NODES_READ)
    @Get("/alerts{?state,limit}")
    Items<Alerting.Alert> alerts(@Nullable @QueryValue String state, @Nullable @QueryValue String limit,
                                 @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        int max = 200;
        if (limit != null) {
            try {
                max = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                max = -1;
            }
            if (max < 1 || max > MAX_ALERTS) {
                throw ApiException.invalid("limit: 1 to " + MAX_ALERTS);
            }
        }
        return new Items<>(alerting.alerts(operator.scope(Permission.NODES_READ), state, max));
    }

    // silences

    @RequiresPermission(Permission.NODES_READ)
    @Get("/alert-silences")
    Items<Alerting.Silence> silences(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return new Items<>(alerting.silences(operator.scope(Permission.NODES_READ)));
    }

    @RequiresPermission(Permission.ALERTS_MANAGE)
    @Post("/alert-silences")
    HttpResponse<Alerting.Silence> createSilence(@Body Alerting.SilenceRequest request, HttpRequest<?> http,
                                                 @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        OrganizationId organization = operator.organizationFor(Permission.ALERTS_MANAGE, request.organization(), organizations);
        Alerting.Silence silence = alerting.createSilence(organization, request, operator.username());
        AuditLog.describe(http, organization, null, silence);
        return HttpResponse.created(silence).header("Location", "/api/v1/alert-silences/" + silence.id());
    }

    @RequiresPermission(Permission.ALERTS_MANAGE)
    @Delete("/alert-silences/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void deleteSilence(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        OrganizationId organization = alerting.deleteSilence(uuid(id, "silence"), operator.scope(Permission.ALERTS_MANAGE));
        AuditLog.describe(http, organization, null, null);
    }

    // channels

    @RequiresPermission(Permission.ALERTS_MANAGE)
    @Get("/notification-channels")
    Items<Alerting.Channel> channels(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return new Items<>(alerting.channels(operator.scope(Permission.ALERTS_MANAGE)));
    }

    @RequiresPermission(Permission.ALERTS_MANAGE)
    @Get("/notification-channels/{id}")
    Alerting.Channel channel(@PathVariable String id, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        return alerting.channel(uuid(id, "notification channel"), operator.scope(Permission.ALERTS_MANAGE));
    }

    @RequiresPermission(Permission.ALERTS_MANAGE)
    @Post("/notification-channels")
    HttpResponse<Alerting.Channel> createChannel(@Body Alerting.ChannelRequest request, HttpRequest<?> http,
                                                 @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        OrganizationId organization = operator.organizationFor(Permission.ALERTS_MANAGE, request.organization(), organizations);
        Alerting.Channel channel = alerting.createChannel(organization, request, operator.username());
        AuditLog.describe(http, organization, null, channel);
        return HttpResponse.created(channel).header("Location", "/api/v1/notification-channels/" + channel.id());
    }

    @RequiresPermission(Permission.ALERTS_MANAGE)
    @Delete("/notification-channels/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void deleteChannel(@PathVariable String id, HttpRequest<?> http, @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        OrganizationId organization = alerting.deleteChannel(uuid(id, "notification channel"),
                operator.scope(Permission.ALERTS_MANAGE));
        AuditLog.describe(http, organization, null, null);
    }

    @Serdeable
    record TestResult(boolean delivered, @Nullable String error) {
    }

    /** Sends a signed test notification now and says whether the receiver took it. */
    @RequiresPermission(Permission.ALERTS_MANAGE)
    @Post("/notification-channels/{id}/test")
    TestResult testChannel(@PathVariable String id, HttpRequest<?> http,
                           @RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        Alerting.Channel channel = alerting.channel(uuid(id, "notification channel"),
                operator.scope(Permission.ALERTS_MANAGE));
        AuditLog.describe(http, organizations.byName(channel.organization()).orElseThrow(), null, null);
        String body = "{\"event\":\"test\",\"organization\":\"" + channel.organization() + "\",\"channel\":\""
                + channel.id() + "\",\"sentAt\":\"" + Instant.now() + "\",\"sentBy\":\"" + operator.username()
                .replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        String error = notifier.deliver(channel.id(), "test", body);
        return new TestResult(error == null, error);
    }

    private static UUID uuid(String text, String what) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(what + " id must be a UUID, got '" + text + "'");
        }
    }
}
