package io.octofleet.server.audit;

import io.micronaut.core.annotation.Order;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.web.router.RouteAttributes;
import io.micronaut.web.router.UriRouteInfo;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.problem.Problem;

import java.util.Set;

/**
 * Records every change made through the API — every request that is not a read — with who made it, from where, the
 * route, the path acted on and the outcome, including refused ones. Logins and logouts are recorded by the login
 * endpoints themselves, with their own action names.
 */
@ServerFilter("/api/**")
@Order(Ordered.HIGHEST_PRECEDENCE) // outermost: also sees requests another filter refused (no valid token)
final class AuditFilter {
    private static final Set<HttpMethod> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
    private static final Set<String> SELF_AUDITED = Set.of("/api/v1/auth/login", "/api/v1/auth/logout");

    private final AuditLog audit;

    AuditFilter(AuditLog audit) {
        this.audit = audit;
    }

    @ResponseFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    void record(HttpRequest<?> request, MutableHttpResponse<?> response) {
        if (READS.contains(request.getMethod()) || SELF_AUDITED.contains(request.getPath())
                || RouteAttributes.getRouteInfo(request).map(r -> r.getAnnotationMetadata().hasAnnotation(AgentTraffic.class))
                .orElse(false)) {
            return;
        }
        String actor = request.getAttribute(Operator.ATTRIBUTE, Operator.class).map(Operator::username)
                .orElse("anonymous");
        String route = RouteAttributes.getRouteInfo(request)
                .filter(UriRouteInfo.class::isInstance)
                .map(r -> ((UriRouteInfo<?, ?>) r).getUriMatchTemplate().toPathString())
                .orElse(request.getPath());
        int status = response.code();
        String details = response.getBody(Problem.class).map(Problem::detail).orElse(null);
        AuditLog.Context context = request.getAttribute(AuditLog.CONTEXT_ATTRIBUTE, AuditLog.Context.class).orElse(null);
        audit.record(actor, request.getMethod().name() + " " + route, request.getPath(), AuditLog.sourceAddress(request),
                status < 400, status, details, status < 400 ? context : context == null ? null
                        : new AuditLog.Context(context.organization(), null, null));
    }

}
