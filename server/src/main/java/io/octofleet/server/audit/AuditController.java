package io.octofleet.server.audit;

import io.micronaut.http.annotation.RequestAttribute;
import io.octofleet.server.auth.Operator;
import io.octofleet.server.auth.Permission;
import io.octofleet.server.auth.RequiresPermission;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.octofleet.server.nodes.Page;
import io.octofleet.server.problem.ApiException;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** {@code GET /api/v1/audit}: the audit log, newest first. There is no endpoint that changes it. */
@Controller("/api/v1/audit")
@ExecuteOn(TaskExecutors.BLOCKING)
final class AuditController {
    private final AuditLog audit;

    AuditController(AuditLog audit) {
        this.audit = audit;
    }

    @RequiresPermission(Permission.AUDIT_READ)
    @Get("{?actor,action,from,to,page,size}")
    Page<AuditEntry> find(@RequestAttribute(Operator.ATTRIBUTE) Operator operator, @Nullable @QueryValue String actor, @Nullable @QueryValue String action,
                          @Nullable @QueryValue String from, @Nullable @QueryValue String to,
                          @Nullable @QueryValue String page, @Nullable @QueryValue String size) {
        int pageNumber = number("page", page, 1, Integer.MAX_VALUE, 1);
        int pageSize = number("size", size, 1, AuditLog.MAX_PAGE, 50);
        return audit.find(operator.scope(Permission.AUDIT_READ), blankToNull(actor), blankToNull(action), instant("from", from), instant("to", to),
                (pageNumber - 1) * pageSize, pageSize);
    }

    private static @Nullable Instant instant(String name, @Nullable String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(name + " must be an ISO-8601 instant such as 2026-11-22T08:00:00Z, got '"
                    + text + "'");
        }
    }

    private static int number(String name, @Nullable String text, int min, int max, int fallback) {
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiException.invalid(name + " must be a number between " + min + " and " + max + ", got '" + text + "'");
    }

    private static @Nullable String blankToNull(@Nullable String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
