package io.octofleet.server.ansible;

import io.octofleet.ansible.runner.Trees;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * One direct call's ansible-runner private data dir, {@code <OCTOFLEET_HOME>/ansible-direct/<job id>-<random>}
 * (0700): {@code project/}, {@code inventory/hosts.json}, {@code env/}, Ansible's home and temp directories, and the
 * {@code artifacts/} ansible-runner writes. The inventory holds the targets' secrets, so files are 0600 and the
 * directory is removed when the call ends.
 */
final class PrivateDataDir {
    private final Path path;

    private PrivateDataDir(Path path) {
        this.path = path;
    }

    static PrivateDataDir create(Path parent, String name) throws IOException {
        if (!Files.isDirectory(parent)) {
            Files.createDirectories(parent);
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
        }
        Path path = parent.resolve(name);
        Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return new PrivateDataDir(path);
    }

    Path path() {
        return path;
    }

    Path resolve(String relative) {
        return path.resolve(relative);
    }

    /** Creates the directory (and its parents inside the data dir) 0700. */
    Path directory(String relative) throws IOException {
        Path dir = path.resolve(relative);
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return dir;
    }

    /** Writes a file only the server's user can read (0600), creating its directory. */
    Path writePrivate(String relative, byte[] content) throws IOException {
        Path file = path.resolve(relative);
        Files.createDirectories(file.getParent(),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.write(file, content);
    }

    /** Removes the directory; links inside are removed, never followed. */
    void delete() throws IOException {
        Trees.delete(path);
    }

}
