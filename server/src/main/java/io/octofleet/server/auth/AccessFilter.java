package io.octofleet.server.auth;

import io.micronaut.core.annotation.AnnotationMetadata;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.web.router.RouteAttributes;
import io.micronaut.web.router.RouteInfo;
import io.octofleet.server.problem.Problem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;

/**
 * Enforces what each route declares ({@link RequiresPermission}, {@link SignedIn}, {@link Anonymous}): no valid
 * bearer token → 401; the permission held nowhere → 403. A route that declares nothing is refused, so a new
 * controller cannot ship unprotected. Which organization's data a caller then sees is up to the route (404 across
 * organizations).
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
@Order(Ordered.HIGHEST_PRECEDENCE + 100) // inside the audit filter, which must also see refused requests
final class AccessFilter {
    private static final Logger LOG = LoggerFactory.getLogger(AccessFilter.class);
    private static final String LOGIN_PATH = "/api/v1/auth/login";
    private final List<BearerAuthenticator> authenticators;

    AccessFilter(List<BearerAuthenticator> authenticators) {
        this.authenticators = authenticators;
    }

    /** What a route needs, from its annotations; empty when it declares nothing. */
    static Optional<Rule> ruleOf(AnnotationMetadata route) {
        if (route.hasAnnotation(Anonymous.class)) {
            return Optional.of(new Rule(Rule.Kind.ANONYMOUS, null));
        }
        if (route.hasAnnotation(SignedIn.class)) {
            return Optional.of(new Rule(Rule.Kind.SIGNED_IN, null));
        }
        return route.enumValue(RequiresPermission.class, Permission.class)
                .map(p -> new Rule(Rule.Kind.PERMISSION, p));
    }

    record Rule(Kind kind, @Nullable Permission permission) {
        enum Kind { ANONYMOUS, SIGNED_IN, PERMISSION }
    }

    @RequestFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Nullable
    HttpResponse<?> authorize(HttpRequest<?> request) {
        Optional<RouteInfo<?>> route = RouteAttributes.getRouteInfo(request);
        Optional<Rule> rule = route.isEmpty()
                // no route: outside the API a static resource or 404; inside it, the API's shape is not for strangers
                ? Optional.of(new Rule(request.getPath().startsWith("/api/") ? Rule.Kind.SIGNED_IN : Rule.Kind.ANONYMOUS,
                        null))
                : ruleOf(route.get().getAnnotationMetadata());
        if (rule.isEmpty()) {
            LOG.error("Route {} {} declares no access rule; refusing it", request.getMethod(), request.getPath());
            return problem(request, HttpStatus.FORBIDDEN, "forbidden", "this route declares no access rule");
        }
        Optional<Operator> operator = BearerTokens.from(request).flatMap(token -> authenticate(token, request));
        operator.ifPresent(o -> request.setAttribute(Operator.ATTRIBUTE, o));
        if (rule.get().kind() == Rule.Kind.ANONYMOUS) {
            return null;
        }
        if (operator.isEmpty()) {
            String detail = BearerTokens.from(request).isPresent()
                    ? "bearer token is invalid, expired or revoked; log in again"
                    : "missing Authorization: Bearer token; get one from POST " + LOGIN_PATH;
            return problem(request, HttpStatus.UNAUTHORIZED, "unauthorized", detail)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        Permission needed = rule.get().permission();
        if (needed != null && !operator.get().holdsAnywhere(needed)) {
            return problem(request, HttpStatus.FORBIDDEN, "forbidden", "this needs the permission " + needed);
        }
        return null;
    }

    private Optional<Operator> authenticate(String token, HttpRequest<?> request) {
        for (BearerAuthenticator authenticator : authenticators) {
            if (authenticator.accepts(token)) {
                return authenticator.authenticate(token, request);
            }
        }
        return Optional.empty();
    }

    private static MutableHttpResponse<Problem> problem(HttpRequest<?> request, HttpStatus status, String type,
                                                        String detail) {
        return HttpResponse.<Problem>status(status)
                .contentType(Problem.MEDIA_TYPE)
                .body(Problem.of(type, status.getCode(), status.getReason(), detail, request.getPath()));
    }
}
