package io.octofleet.server.database;

import io.octofleet.server.TestServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded database's loopback port is reachable by every local user; only the holder of the generated password
 * gets in. Against the real embedded PostgreSQL, connecting as another local process would.
 */
class EmbeddedDatabaseAuthTest {

    private static Connection connect(String url, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        if (password != null) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection(url, props);
    }

    private static String storedPassword(Path home) throws Exception {
        return Files.readString(home.resolve(EmbeddedDatabaseAuth.PASSWORD_FILE)).trim();
    }

    @Test
    void aLocalConnectionWithoutThePasswordIsRefused() throws Exception {
        try (TestServer server = TestServer.start(Map.of())) {
            String url = server.bean(DatabaseServer.class).jdbcUrl();
            assertThatThrownBy(() -> connect(url, null).close()).isInstanceOf(SQLException.class)
                    .hasMessageContaining("password");
            assertThatThrownBy(() -> connect(url, "guessed").close()).isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");

            Path file = server.home().resolve(EmbeddedDatabaseAuth.PASSWORD_FILE);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(storedPassword(server.home())).hasSizeGreaterThanOrEqualTo(43); // 32 random bytes
            try (Connection connection = connect(url, storedPassword(server.home()));
                 ResultSet operators = connection.createStatement().executeQuery("select username from operators")) {
                assertThat(operators.next()).isTrue();
            }
            assertThat(Files.readString(server.home().resolve("postgres").resolve("pg_hba.conf")))
                    .doesNotContain("trust").contains("scram-sha-256");
        }
    }

    @Test
    void aDataDirectoryThatTrustedEveryoneGetsThePasswordAtItsNextStart() throws Exception {
        Path home = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "octofleet-home-old-");
        // What an earlier version left: the library's own initdb, trusting every loopback connection.
        try (EmbeddedPostgres old = EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(Files.createDirectories(home.resolve("postgres-runtime")).toFile())
                .setDataDirectory(home.resolve("postgres"))
                .setCleanDataDirectory(false)
                .start();
             Connection open = old.getPostgresDatabase().getConnection()) {
            assertThat(open.isValid(5)).isTrue();
        }
        try (TestServer server = TestServer.start(Map.of("octofleet.home", home.toString()))) {
            assertThat(server.bean(DatabaseServer.class).isEmbedded()).isTrue();
            String url = server.bean(DatabaseServer.class).jdbcUrl();
            assertThatThrownBy(() -> connect(url, null).close()).isInstanceOf(SQLException.class);
            try (Connection connection = connect(url, storedPassword(home))) {
                assertThat(connection.isValid(5)).isTrue();
            }
            assertThat(server.get("/api/v1/nodes").statusCode()).isEqualTo(200);
        }
        // A restart keeps the password.
        String before = storedPassword(home);
        try (TestServer server = TestServer.start(Map.of("octofleet.home", home.toString()))) {
            assertThat(storedPassword(home)).isEqualTo(before);
            assertThat(server.get("/api/v1/nodes").statusCode()).isEqualTo(200);
        }
    }
}
