package io.octofleet.server.health;

import io.octofleet.server.auth.Anonymous;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.serde.annotation.Serdeable;
import org.jooq.DSLContext;

/** Load-balancer and operator probe: UP only when the database answers a query. Unauthenticated by design. */
@Controller("/health")
final class HealthController {
    private final DSLContext dsl;

    HealthController(DSLContext dsl) {
        this.dsl = dsl;
    }

    @Anonymous // load balancers and monitors probe it without credentials
    @Get
    HttpResponse<Health> health() {
        try {
            dsl.selectOne().fetch();
            return HttpResponse.ok(new Health("UP", "UP"));
        } catch (RuntimeException e) {
            return HttpResponse.<Health>status(HttpStatus.SERVICE_UNAVAILABLE).body(new Health("DOWN", "DOWN: " + e.getMessage()));
        }
    }

    @Serdeable
    record Health(String status, String database) {
    }
}
