package io.octofleet.server.telemetry;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.RequestAttribute;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;

/**
 * {@code GET /metrics}: the server's own meters in the Prometheus text format. Needs {@code server:metrics} in every
 * organization (the figures are server-wide): give Prometheus an API token of a service account with just that
 * permission (docs/metrics.md).
 */
@Controller("/metrics")
final class PrometheusController {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final FleetGauges gauges;

    PrometheusController(PrometheusMeterRegistry registry, FleetGauges gauges) {
        this.registry = registry;
        this.gauges = gauges;
    }

    @RequiresPermission(Permission.SERVER_METRICS)
    @Get
    HttpResponse<String> scrape(@RequestAttribute(Operator.ATTRIBUTE) Operator operator) {
        operator.requireEverywhere(Permission.SERVER_METRICS, "server metrics");
        gauges.refreshIfStale();
        return HttpResponse.ok(registry.scrape()).contentType(CONTENT_TYPE);
    }
}
