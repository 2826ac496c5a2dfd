package io.octofleet.server.rules;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.octofleet.server.problem.Problem;
import jakarta.inject.Singleton;

/**
 * A rule that reaches the HTTP layer unconverted is the caller's mistake: a 400 problem whose detail carries the
 * position, {@code rule at 17: expected a value after '='}. Controllers that know which parameter held the rule
 * convert it themselves and name that parameter instead.
 */
@Produces
@Singleton
@Requires(classes = {RuleException.class, ExceptionHandler.class})
final class RuleExceptionHandler implements ExceptionHandler<RuleException, HttpResponse<Problem>> {
    @Override
    public HttpResponse<Problem> handle(HttpRequest request, RuleException exception) {
        Problem problem = Problem.of("invalid-request", HttpStatus.BAD_REQUEST.getCode(),
                HttpStatus.BAD_REQUEST.getReason(), "rule " + exception.getMessage(), request.getPath());
        return HttpResponse.<Problem>status(HttpStatus.BAD_REQUEST).body(problem).contentType(Problem.MEDIA_TYPE);
    }
}
