package io.octofleet.server.database;

import io.octofleet.server.OctofleetHome;
import io.octofleet.server.auth.SecretTokens;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Who may connect to the embedded PostgreSQL. Its port is on loopback, where every local user of the host can reach
 * it, and initdb (as the embedded library runs it) trusts every loopback connection: any local account would be the
 * database's superuser. So the superuser gets a generated password ({@code OCTOFLEET_HOME/postgres-password}, 0600),
 * set in single-user mode before the postmaster first listens, and {@code pg_hba.conf} is rewritten before every
 * start to take SCRAM passwords on loopback and nothing else. A data directory from before this (trust, no password)
 * gets the same at its next start.
 */
final class EmbeddedDatabaseAuth {
    static final String PASSWORD_FILE = "postgres-password";
    /** In the data directory: the SHA-256 of the password the role has, so a new password file is set again. */
    static final String MARKER = "octofleet-password-sha256";
    static final String SUPERUSER = "postgres";
    static final String HBA = """
            # Written by Octofleet before every start of the embedded database; edits are replaced.
            # Loopback only, and only with the password in OCTOFLEET_HOME/postgres-password (or a role's own).
            host    all    all    127.0.0.1/32    scram-sha-256
            host    all    all    ::1/128         scram-sha-256
            """;

    private EmbeddedDatabaseAuth() {
    }

    /** The superuser's password, generated (256 random bits, URL-safe) into the home on first use. */
    static String password(OctofleetHome home) {
        Path file = home.resolve(PASSWORD_FILE);
        try {
            if (Files.exists(file)) {
                String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!stored.isEmpty()) {
                    return stored;
                }
            }
            String generated = SecretTokens.generate("");
            OctofleetHome.writeSecret(file, (generated + "\n").getBytes(StandardCharsets.UTF_8));
            return generated;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Run on the data directory after initdb and before the postmaster starts: sets the superuser's password when the
     * role does not have this one yet, then writes {@link #HBA}.
     *
     * @param runtime the embedded library's working directory, holding the unpacked binaries ({@code PG-…/bin})
     */
    static void prepare(Path dataDir, Path runtime, String password) {
        try {
            Path marker = dataDir.resolve(MARKER);
            String digest = HexFormat.of().formatHex(SecretTokens.sha256(password));
            if (!Files.exists(marker) || !Files.readString(marker, StandardCharsets.UTF_8).trim().equals(digest)) {
                setPassword(dataDir, runtime, password);
                Files.writeString(marker, digest + "\n", StandardCharsets.UTF_8);
            }
            Files.writeString(dataDir.resolve("pg_hba.conf"), HBA, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the embedded database in " + dataDir, e);
        }
    }

    /**
     * {@code ALTER ROLE} in single-user mode: no listening socket, so no one else can connect meanwhile. The password
     * goes through stdin (never on a command line); it is URL-safe base64, so it needs no quoting. The binaries of
     * several embedded versions may be unpacked; the one that matches the data directory is the one that succeeds.
     */
    private static void setPassword(Path dataDir, Path runtime, String password) throws IOException {
        if (!password.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException(PASSWORD_FILE + " may hold only letters, digits, '-' and '_'");
        }
        List<Path> binaries = binaries(runtime);
        List<String> failures = new ArrayList<>();
        for (Path postgres : binaries) {
            List<String> command = new ArrayList<>();
            if (LinuxUtils.isUnshareAvailable()) {
                command.addAll(List.of("unshare", "-U")); // as the library runs it: PostgreSQL refuses to run as root
            }
            command.addAll(List.of(postgres.toString(), "--single", "-D", dataDir.toString(),
                    "-c", "listen_addresses=", "-c", "password_encryption=scram-sha-256", SUPERUSER));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (var stdin = process.getOutputStream()) {
                stdin.write(("ALTER ROLE " + SUPERUSER + " PASSWORD '" + password + "';\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    failures.add(postgres + ": no answer in 60 s");
                    continue;
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while setting the embedded database's password", e);
            }
            if (process.exitValue() == 0 && !output.contains("ERROR:") && !output.contains("FATAL:")) {
                return;
            }
            failures.add(postgres + ": exit " + process.exitValue() + ": " + output.replace(password, "<password>").strip());
        }
        throw new IOException("cannot set the embedded database's password"
                + (failures.isEmpty() ? ": no PostgreSQL binaries under " + runtime : ": " + String.join("; ", failures)));
    }

    /**
     * The unpacked {@code postgres} binaries, newest first: those the library prepared in this JVM (it unpacks once
     * per JVM and reuses that directory for every instance; it does not expose it, hence the look at its private
     * cache), then any under {@code runtime}, where a server's only instance unpacks them.
     */
    private static List<Path> binaries(Path runtime) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        try {
            Field prepared = EmbeddedPostgres.class.getDeclaredField("PREPARE_BINARIES");
            prepared.setAccessible(true);
            for (Object dir : ((Map<?, ?>) prepared.get(null)).values()) {
                dirs.add(((File) dir).toPath());
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // another version of the library: the runtime directory below is where it unpacks for a server
        }
        if (Files.isDirectory(runtime)) {
            try (Stream<Path> listed = Files.list(runtime)) {
                listed.forEach(dirs::add);
            }
        }
        return dirs.stream().map(d -> d.resolve("bin").resolve("postgres")).filter(Files::isExecutable)
                .sorted(Comparator.comparing(EmbeddedDatabaseAuth::modified).reversed()).toList();
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
