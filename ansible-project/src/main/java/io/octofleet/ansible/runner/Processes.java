package io.octofleet.ansible.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/** What killing a run's process tree needs on both sides: is a process really still running, and waiting for that. */
public final class Processes {
    private static final Path PROC_SELF = Path.of("/proc/self");

    private Processes() {
    }

    /**
     * Waits up to {@code grace} until none of {@code processes} is {@link #running}; false if some still is. Polled
     * rather than {@code onExit()}: a killed process that was re-parented stays a zombie until init reaps it, and
     * {@link ProcessHandle} counts zombies as alive. An interrupt ends the wait early and stays set.
     */
    public static boolean awaitExit(Set<ProcessHandle> processes, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (processes.stream().anyMatch(Processes::running)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Alive and not a zombie; a zombie is dead and holds nothing but its process table entry. */
    public static boolean running(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            // The state follows the command name, which is in parentheses and may itself contain ") ".
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (NoSuchFileException e) {
            // gone from /proc: exited; without a /proc at all (not Linux), trust isAlive
            return !Files.isDirectory(PROC_SELF) && process.isAlive();
        } catch (IOException | IndexOutOfBoundsException e) {
            return process.isAlive();
        }
    }
}
