package io.octofleet.server.database;

import io.octofleet.server.TestServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ExternalDatabaseTest {
    @Test
    void configuredUrlIsUsedInsteadOfTheEmbeddedDatabase() throws Exception {
        Path work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "external-pg-");
        // Another PostgreSQL server, standing in for the operator's own; the server only gets its URL.
        try (EmbeddedPostgres external = EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(work.toFile())
                .setDataDirectory(work.resolve("data"))
                .start()) {
            String url = external.getJdbcUrl("postgres", "postgres");
            try (TestServer server = TestServer.start(Map.of(
                    "octofleet.db.url", url, "octofleet.db.user", "postgres", "octofleet.db.password", ""))) {
                assertThat(server.bean(DatabaseServer.class).isEmbedded()).isFalse();
                assertThat(server.home().resolve("postgres")).doesNotExist();
                assertThat(server.get("/api/v1/nodes").statusCode()).isEqualTo(200);
            }
            try (Connection connection = external.getPostgresDatabase().getConnection();
                 ResultSet operators = connection.createStatement().executeQuery("select username from operators")) {
                assertThat(operators.next()).isTrue();
                assertThat(operators.getString(1)).isEqualTo("admin");
            }
        }
    }
}
