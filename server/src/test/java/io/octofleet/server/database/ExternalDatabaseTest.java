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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExternalDatabaseTest {
    /** Another PostgreSQL server, standing in for the operator's own; the server only gets its URL. */
    private static EmbeddedPostgres externalDatabase() throws Exception {
        Path work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "external-pg-");
        return EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(work.toFile())
                .setDataDirectory(work.resolve("data"))
                .start();
    }

    private static Map<String, Object> settingsFor(EmbeddedPostgres external) {
        return Map.of("octofleet.db.url", external.getJdbcUrl("postgres", "postgres"),
                "octofleet.db.user", "postgres", "octofleet.db.password", "");
    }

    @Test
    void configuredUrlIsUsedInsteadOfTheEmbeddedDatabase() throws Exception {
        try (EmbeddedPostgres external = externalDatabase()) {
            try (TestServer server = TestServer.start(settingsFor(external))) {
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

    @Test
    void aDatabaseMigratedByANewerServerIsRefusedAtStart() throws Exception {
        try (EmbeddedPostgres external = externalDatabase()) {
            Map<String, Object> database = settingsFor(external);
            try (TestServer server = TestServer.start(database)) {
                assertThat(server.get("/api/v1/nodes").statusCode()).isEqualTo(200);
            }
            // What a later release's migration leaves behind.
            try (Connection connection = external.getPostgresDatabase().getConnection()) {
                connection.createStatement().execute("INSERT INTO flyway_schema_history (installed_rank, version, "
                        + "description, type, script, checksum, installed_by, execution_time, success) VALUES "
                        + "(9999, '9999', 'from the future', 'SQL', 'V9999__from_the_future.sql', 0, 'postgres', 1, true)");
            }

            assertThatThrownBy(() -> TestServer.start(database).close())
                    .hasStackTraceContaining("migrated by a newer Octofleet server")
                    .hasStackTraceContaining("9999");
        }
    }
}
