import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Jdbc;
import org.jooq.meta.jaxb.Target;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Build step (run by exec-maven-plugin in generate-sources): starts a real embedded PostgreSQL, migrates it with
 * the project's Flyway migrations and generates jOOQ classes from the result. Skipped when the migrations are
 * byte-for-byte what produced the existing generated sources.
 *
 * Arguments: migrationsDir outputDir workDir
 */
public class JooqCodegen {
    public static void main(String[] args) throws Exception {
        Path migrations = Path.of(args[0]);
        Path output = Path.of(args[1]);
        Path work = Path.of(args[2]);
        String fingerprint = fingerprint(migrations);
        Path stamp = output.resolve(".migrations.sha256");
        if (Files.exists(stamp) && Files.readString(stamp).equals(fingerprint)) {
            System.out.println("[jooq-codegen] migrations unchanged, keeping generated sources");
            return;
        }
        Files.createDirectories(work);
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(work.toFile())
                .setDataDirectory(work.resolve("data"))
                .setCleanDataDirectory(true)
                .start()) {
            Flyway.configure()
                    .dataSource(pg.getPostgresDatabase())
                    .locations("filesystem:" + migrations.toAbsolutePath())
                    .load()
                    .migrate();
            try (Connection connection = pg.getPostgresDatabase().getConnection()) {
                Configuration configuration = new Configuration()
                        .withGenerator(new Generator()
                                .withDatabase(new Database()
                                        .withName("org.jooq.meta.postgres.PostgresDatabase")
                                        .withInputSchema("public")
                                        .withExcludes("flyway_schema_history"))
                                .withGenerate(new Generate()
                                        .withJavaTimeTypes(true)
                                        .withRecords(true)
                                        .withPojos(false)
                                        .withDaos(false)
                                        .withGeneratedAnnotation(false))
                                .withTarget(new Target()
                                        .withPackageName("io.octofleet.server.db")
                                        .withDirectory(output.toAbsolutePath().toString())));
                GenerationTool tool = new GenerationTool();
                tool.setConnection(connection);
                tool.run(configuration);
            }
        }
        Files.writeString(stamp, fingerprint);
    }

    private static String fingerprint(Path migrations) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> files = Files.list(migrations)) {
            for (Path file : files.sorted().toList()) {
                digest.update(file.getFileName().toString().getBytes());
                digest.update(Files.readAllBytes(file));
            }
        }
        // The generator's own version is part of what the output depends on.
        digest.update(org.jooq.Constants.VERSION.getBytes());
        return HexFormat.of().formatHex(digest.digest());
    }
}
