package io.octofleet.server.auth;

import io.octofleet.server.TestServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Lockout and rate limiting of logins, counted from the audit log (so every replica sees the same count). */
class LoginLockoutTest {

    @Test
    void repeatedFailuresLockTheAccountEvenAgainstTheRightPasswordAndAreAudited() {
        try (TestServer server = TestServer.start(Map.of("octofleet.auth.lockout-failures", "3",
                "octofleet.auth.rate-limit-failures", "100"))) {
            for (int i = 0; i < 3; i++) {
                assertThat(login(server, "admin", "wrong-" + i).statusCode()).isEqualTo(401);
            }
            HttpResponse<String> locked = login(server, "admin", TestServer.ADMIN_PASSWORD);
            assertThat(locked.statusCode()).isEqualTo(429);
            assertThat(locked.body()).contains("login-locked").contains("temporarily locked");
            // another account is not affected by admin's lockout
            assertThat(login(server, "someone-else", "whatever").statusCode()).isEqualTo(401);

            // the refused attempt is in the audit log (read directly: admin itself is locked out of the API)
            assertThat(server.bean(org.jooq.DSLContext.class).fetchCount(io.octofleet.server.db.Tables.AUDIT_LOG,
                    io.octofleet.server.db.Tables.AUDIT_LOG.ACTION.eq("login_failed")
                            .and(io.octofleet.server.db.Tables.AUDIT_LOG.HTTP_STATUS.eq(429))
                            .and(io.octofleet.server.db.Tables.AUDIT_LOG.DETAILS.contains("temporarily locked"))))
                    .isEqualTo(1);
        }
    }

    @Test
    void manyFailuresFromOneAddressAreRateLimitedWhateverTheUser() {
        try (TestServer server = TestServer.start(Map.of("octofleet.auth.lockout-failures", "100",
                "octofleet.auth.rate-limit-failures", "4"))) {
            for (int i = 0; i < 4; i++) {
                assertThat(login(server, "user-" + i, "nope").statusCode()).isEqualTo(401);
            }
            HttpResponse<String> limited = login(server, "admin", TestServer.ADMIN_PASSWORD);
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.body()).contains("too many failed logins from 127.0.0.1");
        }
    }

    private static HttpResponse<String> login(TestServer server, String user, String password) {
        return server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}")));
    }
}
