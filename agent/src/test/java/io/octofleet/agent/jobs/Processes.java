package io.octofleet.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds test processes by a marker that only they carry on their command line. */
final class Processes {
    private Processes() {
    }

    static List<ProcessHandle> withMarker(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .toList();
    }

    /**
     * Whether the process is gone: exited, or a zombie waiting for its (re-)parent to reap it. Under a slow init a
     * killed orphan stays a zombie for a while, and ProcessHandle.isAlive() still says true for it.
     */
    static boolean gone(ProcessHandle process) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return !process.isAlive() || stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    /** A number to put on a {@code sleep} command line: {@code sleep 600.<marker>} is unique and still valid. */
    static String marker() {
        return String.valueOf(System.nanoTime() % 1_000_000_000L);
    }

    /** Waits up to 10 s until exactly {@code count} processes carry the marker, and returns them. */
    static List<ProcessHandle> awaitWithMarker(String marker, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<ProcessHandle> found = withMarker(marker);
        while (found.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
            found = withMarker(marker);
        }
        assertThat(found).hasSize(count);
        return found;
    }
}
