package io.octofleet.server.metrics;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.problem.ApiException;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The time range and step of a metrics or report query, as the API takes them. */
record TimeRange(Instant from, Instant to, Duration step) {
    private static final Pattern RELATIVE = Pattern.compile("(now)?-(\\d+)(ms|s|m|h|d)");
    private static final Pattern STEP = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Duration DEFAULT_RANGE = Duration.ofHours(1);
    private static final int DEFAULT_POINTS = 300;

    /**
     * from/to: ISO-8601 instants or relative to now ({@code -6h}, {@code now-30m}); defaults: the last hour. step:
     * {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601; default: the range in about 300 points, at least the collection
     * interval.
     */
    static TimeRange parse(@Nullable String from, @Nullable String to, @Nullable String step, Duration interval,
                           Instant now) {
        Instant end = to == null || to.isBlank() ? now : instant("to", to, now);
        Instant start = from == null || from.isBlank() ? end.minus(DEFAULT_RANGE) : instant("from", from, now);
        if (!start.isBefore(end)) {
            throw ApiException.invalid("from must be before to");
        }
        Duration span = Duration.between(start, end);
        Duration size;
        if (step == null || step.isBlank()) {
            size = span.dividedBy(DEFAULT_POINTS);
            if (size.compareTo(interval) < 0) {
                size = interval;
            }
            size = Duration.ofSeconds(Math.max(1, (size.toMillis() + 999) / 1000));
        } else {
            size = duration("step", step);
        }
        if (size.compareTo(Duration.ofSeconds(1)) < 0) {
            throw ApiException.invalid("step must be at least 1s");
        }
        if (span.dividedBy(size) > MetricQueries.MAX_POINTS) {
            throw ApiException.invalid("from..to at step " + step + " is more than " + MetricQueries.MAX_POINTS
                    + " points; use a larger step");
        }
        return new TimeRange(start, end, size);
    }

    private static Instant instant(String what, String text, Instant now) {
        String value = text.strip();
        if (value.equals("now")) {
            return now;
        }
        Matcher relative = RELATIVE.matcher(value);
        if (relative.matches()) {
            return now.minus(amount(Long.parseLong(relative.group(2)), relative.group(3)));
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(what + " must be an ISO-8601 instant (2026-11-22T10:00:00Z) or relative to now "
                    + "(-6h, now-30m); got '" + text + "'");
        }
    }

    private static Duration duration(String what, String text) {
        Matcher m = STEP.matcher(text.strip());
        if (m.matches()) {
            return amount(Long.parseLong(m.group(1)), m.group(2));
        }
        try {
            return Duration.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(what + " must be like 30s, 5m, 1h or ISO-8601 (PT5M); got '" + text + "'");
        }
    }

    private static Duration amount(long n, String unit) {
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

}
