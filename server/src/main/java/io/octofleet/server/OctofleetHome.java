package io.octofleet.server;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The server's state directory ({@code OCTOFLEET_HOME}, default {@code ~/.octofleet}): the embedded database, the
 * internal CA, the initial admin password. Created 0700 on first use.
 */
@Singleton
public final class OctofleetHome {
    private final Path root;

    public OctofleetHome(@Value("${octofleet.home:}") String configured) {
        this.root = (configured == null || configured.isBlank()
                ? Path.of(System.getProperty("user.home"), ".octofleet")
                : Path.of(configured)).toAbsolutePath().normalize();
        try {
            if (!Files.isDirectory(root)) {
                Files.createDirectories(root);
                Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create OCTOFLEET_HOME " + root, e);
        }
    }

    public Path root() {
        return root;
    }

    public Path resolve(String name) {
        return root.resolve(name);
    }

    /** Writes a secret file readable by the owner only (0600), creating it with those permissions from the start. */
    public static void writeSecret(Path file, byte[] content) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, content);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
