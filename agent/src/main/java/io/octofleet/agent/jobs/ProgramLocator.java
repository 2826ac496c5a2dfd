package io.octofleet.agent.jobs;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds programs on a search path before a run starts, so that a missing ansible-runner or python3 becomes a clear
 * reason instead of an exec error, also when the program is started through {@code runuser}.
 */
final class ProgramLocator {
    private final String searchPath;

    ProgramLocator(String searchPath) {
        this.searchPath = searchPath == null ? "" : searchPath;
    }

    /** Looks on the agent's own PATH. */
    static ProgramLocator agentPath() {
        return new ProgramLocator(System.getenv("PATH"));
    }

    /** @return the program's absolute path; a name with a slash is taken as a path and only checked */
    Optional<Path> find(String program) {
        try {
            if (program.contains("/")) {
                Path path = Path.of(program).toAbsolutePath();
                return executable(path) ? Optional.of(path) : Optional.empty();
            }
            for (String dir : searchPath.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    Path candidate = Path.of(dir, program).toAbsolutePath();
                    if (executable(candidate)) {
                        return Optional.of(candidate);
                    }
                }
            }
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static boolean executable(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }
}
