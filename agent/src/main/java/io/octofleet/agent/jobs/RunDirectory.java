package io.octofleet.agent.jobs;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's private scratch directory ({@code <runs root>/<run id>}, 0700): the script file, ansible-runner's private
 * data dir, the vault password. It may hold secrets (extra vars, the vault password), so it is removed when the run
 * ends, whatever the outcome.
 */
final class RunDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunDirectory.class);

    private final Path path;

    private RunDirectory(Path path) {
        this.path = path;
    }

    /**
     * Creates the directory. The runs root is created 0711 if missing: a run as another user must be able to reach
     * its own directory through it, without being able to list the others.
     */
    static RunDirectory create(Path runsRoot, RunId runId) throws IOException {
        if (!Files.isDirectory(runsRoot)) {
            Files.createDirectories(runsRoot);
            Files.setPosixFilePermissions(runsRoot, PosixFilePermissions.fromString("rwx--x--x"));
        }
        Path path = runsRoot.resolve(runId.value());
        // Run ids are unique per attempt, so an existing directory is what a crashed agent left behind.
        deleteTree(path);
        Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return new RunDirectory(path);
    }

    Path path() {
        return path;
    }

    /** Writes a file only its owner can read and execute (0700), creating parent directories. */
    Path writeExecutable(String name, String content) throws IOException {
        return write(name, content, "rwx------");
    }

    /** Writes a file only its owner can read (0600), creating parent directories. */
    Path writePrivate(String name, String content) throws IOException {
        return write(name, content, "rw-------");
    }

    Path createDirectory(String name) throws IOException {
        return Files.createDirectories(path.resolve(name));
    }

    /** Gives everything in the directory to {@code owner}, so a run as that user can use it. */
    void handTo(Optional<UserPrincipal> owner) throws IOException {
        if (owner.isEmpty()) {
            return;
        }
        try (var files = Files.walk(path)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.setOwner(file, owner.get());
            }
        }
    }

    @Override
    public void close() {
        try {
            deleteTree(path);
        } catch (IOException e) {
            log.warn("could not remove run directory {}: {}", path, e.toString());
        }
    }

    /** Removes a directory tree a run left, links inside it not followed; nothing if it is not there. */
    static void remove(Path directory) throws IOException {
        deleteTree(directory);
    }

    private Path write(String name, String content, String permissions) throws IOException {
        Path file = path.resolve(name);
        Files.createDirectories(file.getParent());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)));
        return Files.writeString(file, content);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        // walkFileTree does not follow links: a project directory linked in is left alone.
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
