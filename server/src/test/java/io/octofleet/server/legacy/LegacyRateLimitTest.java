package io.octofleet.server.legacy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.octofleet.server.TestServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The legacy API is rate limited per key: a key over its rate gets 429 with Retry-After; another key does not. */
class LegacyRateLimitTest {

    @Test
    void aKeyOverItsRateGets429WhileAnotherKeyGoesOn() throws Exception {
        try (TestServer server = TestServer.start(Map.of("octofleet.legacy.rate-limit", "0.5",
                "octofleet.legacy.rate-burst", "3"))) {
            ObjectMapper json = new ObjectMapper();
            String busy = json.readTree(server.post("/api/v1/legacy-keys", "{\"name\": \"busy\"}").body())
                    .get("key").asText();
            String calm = json.readTree(server.post("/api/v1/legacy-keys", "{\"name\": \"calm\"}").body())
                    .get("key").asText();
            int[] codes = new int[5];
            HttpResponse<String> last = null;
            for (int i = 0; i < codes.length; i++) {
                last = server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/agent/version"))
                        .header("X-API-Key", busy).GET());
                codes[i] = last.statusCode();
            }
            assertThat(codes).containsExactly(200, 200, 200, 429, 429);
            assertThat(last.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(last.body()).contains("rate limit");
            assertThat(server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/agent/version"))
                    .header("X-API-Key", calm).GET()).statusCode()).isEqualTo(200);
        }
    }
}
