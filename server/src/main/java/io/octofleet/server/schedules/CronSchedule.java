package io.octofleet.server.schedules;

import io.micronaut.scheduling.cron.CronExpression;
import io.octofleet.server.problem.ApiException;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * A standard five-field cron expression (minute hour day-of-month month day-of-week, as crontab(5)) in a time zone.
 * Micronaut's {@link CronExpression} evaluates it, with seconds fixed at 0.
 */
record CronSchedule(String expression, ZoneId zone) {

    /**
     * @throws ApiException invalid-request naming what is wrong
     */
    static CronSchedule parse(String expression, String timeZone) {
        if (expression == null || expression.isBlank()) {
            throw ApiException.invalid("cron is required: five fields, minute hour day-of-month month day-of-week, "
                    + "e.g. \"30 2 * * *\"");
        }
        String[] fields = expression.trim().split("\\s+");
        if (fields.length != 5) {
            throw ApiException.invalid("cron must have five fields (minute hour day-of-month month day-of-week), got "
                    + fields.length + ": '" + expression + "'");
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(timeZone == null || timeZone.isBlank() ? "UTC" : timeZone);
        } catch (DateTimeException e) {
            throw ApiException.invalid("timeZone must be a time zone id such as UTC or Europe/Berlin, got '"
                    + timeZone + "'");
        }
        CronSchedule schedule = new CronSchedule(String.join(" ", fields), zone);
        try {
            schedule.nextAfter(Instant.now());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("cron '" + expression + "' is not valid: " + e.getMessage());
        }
        return schedule;
    }

    /** The first firing strictly after {@code after}. */
    Instant nextAfter(Instant after) {
        ZonedDateTime next = CronExpression.create("0 " + expression).nextTimeAfter(after.atZone(zone));
        return next.toInstant();
    }
}
