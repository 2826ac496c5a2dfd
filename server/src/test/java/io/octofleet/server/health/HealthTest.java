package io.octofleet.server.health;

import io.octofleet.server.TestServer;
import io.octofleet.server.database.DatabaseServer;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HealthTest {
    @Test
    void embeddedDatabaseIsDurableAndHealthFollowsIt() throws Exception {
        try (TestServer server = TestServer.start(Map.of())) {
            DSLContext dsl = server.bean(DSLContext.class);
            // zonky's test defaults turn these off; the embedded default must not lose acknowledged data
            assertThat(dsl.fetchValue("select setting from pg_settings where name = 'fsync'")).isEqualTo("on");
            assertThat(dsl.fetchValue("select setting from pg_settings where name = 'synchronous_commit'")).isEqualTo("on");
            assertThat(health(server).statusCode()).isEqualTo(200);

            server.bean(DatabaseServer.class).close();

            HttpResponse<String> down = health(server);
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).contains("\"status\":\"DOWN\"");
        }
    }

    private static HttpResponse<String> health(TestServer server) {
        return server.anonymous(HttpRequest.newBuilder(server.uri("/health")));
    }
}
