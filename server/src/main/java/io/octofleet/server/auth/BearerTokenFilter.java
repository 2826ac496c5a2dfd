package io.octofleet.server.auth;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.octofleet.server.problem.Problem;

import java.util.Optional;

/**
 * Every {@code /api/v1} endpoint requires a valid operator bearer token, except login. Deny by default: a new
 * controller is protected without doing anything.
 */
@ServerFilter("/api/**")
final class BearerTokenFilter {
    private static final String LOGIN_PATH = "/api/v1/auth/login";
    private final OperatorRepository operators;

    BearerTokenFilter(OperatorRepository operators) {
        this.operators = operators;
    }

    @RequestFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Nullable
    HttpResponse<?> authenticate(HttpRequest<?> request) {
        if (request.getPath().equals(LOGIN_PATH)) {
            return null;
        }
        Optional<String> token = BearerTokens.from(request);
        if (token.isEmpty()) {
            return unauthorized(request, "missing Authorization: Bearer token; get one from POST " + LOGIN_PATH);
        }
        Optional<Operator> operator = operators.findBySession(SecretTokens.sha256(token.get()));
        if (operator.isEmpty()) {
            return unauthorized(request, "bearer token is invalid or expired; log in again");
        }
        request.setAttribute(Operator.ATTRIBUTE, operator.get());
        return null;
    }

    private static MutableHttpResponse<Problem> unauthorized(HttpRequest<?> request, String detail) {
        return HttpResponse.<Problem>status(HttpStatus.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .contentType(Problem.MEDIA_TYPE)
                .body(Problem.of("unauthorized", 401, "Unauthorized", detail, request.getPath()));
    }
}
