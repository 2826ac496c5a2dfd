package io.octofleet.server.ansible;

import io.micronaut.context.condition.Condition;
import io.micronaut.context.condition.ConditionContext;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * True when {@code ansible-runner} is an executable on the server's PATH. Without it there is no direct-mode runner
 * bean, and the job API refuses direct-mode jobs with {@code direct-mode-unavailable} instead of failing them later.
 */
public final class AnsibleRunnerInstalled implements Condition {
    static final String PROGRAM = "ansible-runner";

    @Override
    public boolean matches(ConditionContext context) {
        if (find(System.getenv("PATH")).isPresent()) {
            return true;
        }
        context.fail(PROGRAM + " is not on the PATH: direct-mode Ansible is unavailable");
        return false;
    }

    /** The program in the first PATH entry that has it as an executable file. */
    static Optional<Path> find(String path) {
        if (path == null || path.isEmpty()) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, PROGRAM);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
