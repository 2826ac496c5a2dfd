package io.octofleet.server.auth;

import io.octofleet.server.TestServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GeneratedAdminPasswordTest {
    @Test
    void firstStartWithoutPasswordGeneratesOneInAPrivateFile() throws Exception {
        try (TestServer server = TestServer.start(Map.of("octofleet.admin-password", ""))) {
            Path file = server.home().resolve(AdminBootstrap.PASSWORD_FILE);
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            String password = Files.readString(file).trim();
            assertThat(password).hasSizeGreaterThanOrEqualTo(20);
            var login = server.anonymous(HttpRequest.newBuilder(server.uri("/api/v1/auth/login"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + password + "\"}")));
            assertThat(login.statusCode()).isEqualTo(200);
        }
    }
}
