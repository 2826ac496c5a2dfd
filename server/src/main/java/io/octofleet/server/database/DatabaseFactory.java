package io.octofleet.server.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.octofleet.server.OctofleetHome;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.inject.Singleton;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.exception.FlywayValidateException;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one place the server's database comes from: embedded PostgreSQL (data under OCTOFLEET_HOME/postgres, kept
 * across restarts) or the external server named by OCTOFLEET_DB_URL; migrated by Flyway before anything uses it.
 */
@Factory
final class DatabaseFactory {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseFactory.class);

    @Singleton
    @Bean(preDestroy = "close")
    DatabaseServer databaseServer(DatabaseConfiguration config, OctofleetHome home) {
        if (config.external()) {
            LOG.info("Using external PostgreSQL at {}", config.url());
            return new DatabaseServer(null, config.url(), config.user(), config.password());
        }
        Path dataDir = home.resolve("postgres");
        Path workDir = home.resolve("postgres-runtime");
        try {
            Files.createDirectories(workDir);
            long started = System.nanoTime();
            // The superuser needs a password: every local user can reach the loopback port (EmbeddedDatabaseAuth).
            String password = EmbeddedDatabaseAuth.password(home);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setOverrideWorkingDirectory(workDir.toFile())
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setDataDirectoryCustomizer(dir -> EmbeddedDatabaseAuth.prepare(dir.toPath(), workDir, password))
                    .setConnectConfig("password", password)
                    // zonky turns durability off for tests; the embedded default holds real data, so turn it back on.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "100");
            Integer port = config.embeddedPort();
            if (port != null && port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres pg = builder.start();
            LOG.info("Embedded PostgreSQL started in {} ms, data in {}", (System.nanoTime() - started) / 1_000_000, dataDir);
            return new DatabaseServer(pg, pg.getJdbcUrl(EmbeddedDatabaseAuth.SUPERUSER, "postgres"),
                    EmbeddedDatabaseAuth.SUPERUSER, password);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dataDir, e);
        }
    }

    @Singleton
    @Bean(preDestroy = "close")
    HikariDataSource dataSource(DatabaseServer server, MeterRegistry meters) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(server.jdbcUrl());
        if (server.user() != null && !server.user().isBlank()) {
            hikari.setUsername(server.user());
        }
        if (server.password() != null && !server.password().isBlank()) {
            hikari.setPassword(server.password());
        }
        hikari.setPoolName("octofleet");
        hikari.setMaximumPoolSize(16);
        hikari.setConnectionTimeout(10_000);
        hikari.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
        HikariDataSource dataSource = new HikariDataSource(hikari);
        migrate(dataSource);
        return dataSource;
    }

    /**
     * Brings the schema to this server's version. A database already migrated by a newer server is refused: Flyway
     * by default ignores such "future" migrations, and an older server would then write through tables the newer
     * schema has replaced (after a downgrade, say) and fail on every report instead of once, at start.
     */
    static void migrate(DataSource dataSource) {
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .ignoreMigrationPatterns(new String[0])
                    .load()
                    .migrate();
        } catch (FlywayValidateException e) {
            throw new IllegalStateException("The database's schema does not match this server's migrations; if it "
                    + "was migrated by a newer Octofleet server, run that version or restore a backup taken before "
                    + "the upgrade. " + e.getMessage(), e);
        }
    }

    @Singleton
    DSLContext dsl(DataSource dataSource) {
        return DSL.using(dataSource, SQLDialect.POSTGRES);
    }
}
