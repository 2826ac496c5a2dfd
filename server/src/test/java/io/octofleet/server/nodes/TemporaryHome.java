package io.octofleet.server.nodes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A throwaway OCTOFLEET_HOME for one test class. Not JUnit's @TempDir: surefire points java.io.tmpdir at
 * target/tmp, which nothing creates, and @TempDir fails before any test code could create it.
 */
public final class TemporaryHome implements AutoCloseable {
    private final Path path;

    private TemporaryHome(Path path) {
        this.path = path;
    }

    public static TemporaryHome create() {
        try {
            Path parent = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
            return new TemporaryHome(Files.createTempDirectory(parent, "octofleet-home-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(path)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
