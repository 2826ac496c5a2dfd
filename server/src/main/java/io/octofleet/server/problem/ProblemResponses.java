package io.octofleet.server.problem;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.core.annotation.NonNull;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import io.micronaut.http.server.exceptions.response.HateoasErrorResponseProcessor;
import jakarta.inject.Singleton;

import java.util.Map;

/**
 * Renders every error Micronaut produces itself (unknown route, wrong method, unreadable JSON, unsupported media type)
 * as problem details too, so clients see one error format whatever failed.
 */
@Singleton
@Replaces(HateoasErrorResponseProcessor.class)
final class ProblemResponses implements ErrorResponseProcessor<Problem> {
    private static final Map<Integer, String> SLUGS = Map.of(
            400, "invalid-request",
            401, "unauthorized",
            403, "forbidden",
            404, "not-found",
            405, "method-not-allowed",
            409, "conflict",
            413, "payload-too-large",
            415, "unsupported-media-type");

    @Override
    @NonNull
    public MutableHttpResponse<Problem> processResponse(@NonNull ErrorContext context,
                                                        @NonNull MutableHttpResponse<?> response) {
        HttpStatus status = response.getStatus();
        String detail = context.getErrors().isEmpty() ? null : context.getErrors().get(0).getMessage();
        if (status.getCode() >= 500) {
            detail = "internal error; see the server log";
        }
        HttpRequest<?> request = context.getRequest();
        Problem problem = Problem.of(SLUGS.getOrDefault(status.getCode(), status.getCode() >= 500 ? "internal" : "error"),
                status.getCode(), status.getReason(), detail, request.getPath());
        return response.body(problem).contentType(Problem.MEDIA_TYPE);
    }
}
