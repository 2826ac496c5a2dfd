package io.octofleet.server.problem;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

@Produces
@Singleton
@Requires(classes = {ApiException.class, ExceptionHandler.class})
final class ApiExceptionHandler implements ExceptionHandler<ApiException, HttpResponse<Problem>> {
    @Override
    public HttpResponse<Problem> handle(HttpRequest request, ApiException exception) {
        Problem problem = Problem.of(exception.type(), exception.status().getCode(), exception.status().getReason(),
                exception.getMessage(), request.getPath());
        return HttpResponse.<Problem>status(exception.status()).body(problem).contentType(Problem.MEDIA_TYPE);
    }
}
