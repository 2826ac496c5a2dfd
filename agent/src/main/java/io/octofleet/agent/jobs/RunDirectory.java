package io.octofleet.agent.jobs;

import io.octofleet.ansible.runner.Trees;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        Trees.delete(path);
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
            Trees.delete(path);
        } catch (IOException e) {
            log.warn("could not remove run directory {}: {}", path, e.toString());
        }
    }

    /** Removes a directory tree a run left, links inside it not followed; nothing if it is not there. */
    static void remove(Path directory) throws IOException {
        Trees.delete(directory);
    }

    private Path write(String name, String content, String permissions) throws IOException {
        Path file = path.resolve(name);
        Files.createDirectories(file.getParent());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)));
        return Files.writeString(file, content);
    }

}
