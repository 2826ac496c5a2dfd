package io.octofleet.bench.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Memory and CPU of a process as Linux accounts them in {@code /proc}: resident set now and at its peak, and CPU
 * time (user + system) since it started.
 *
 * @param rssKib  VmRSS
 * @param peakRssKib VmHWM, the highest resident set so far
 * @param cpuMillis utime + stime
 */
public record ProcessUsage(long rssKib, long peakRssKib, long cpuMillis) {
    public static final ProcessUsage NONE = new ProcessUsage(0, 0, 0);
    /** USER_HZ: 100 on every Linux architecture the JDK runs on (it is fixed in the kernel ABI). */
    private static final long TICKS_PER_SECOND = 100;

    /** @throws IOException when the process is gone or {@code /proc} is unreadable */
    public static ProcessUsage of(long pid) throws IOException {
        long rss = 0;
        long peak = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = kib(line);
            } else if (line.startsWith("VmHWM:")) {
                peak = kib(line);
            }
        }
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name (field 2) may hold spaces and parentheses; fields after the last ')' are plain numbers.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14 and 15)
        return new ProcessUsage(rss, peak, ticks * 1000 / TICKS_PER_SECOND);
    }

    /** The sum over the live descendants of {@code pid} (e.g. the embedded PostgreSQL's processes); none is 0. */
    public static ProcessUsage ofDescendants(long pid) {
        List<ProcessHandle> children = ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of());
        ProcessUsage sum = NONE;
        for (ProcessHandle child : children) {
            try {
                sum = sum.plus(of(child.pid()));
            } catch (IOException | RuntimeException gone) {
                // exited between listing and reading
            }
        }
        return sum;
    }

    public ProcessUsage plus(ProcessUsage other) {
        return new ProcessUsage(rssKib + other.rssKib, peakRssKib + other.peakRssKib, cpuMillis + other.cpuMillis);
    }

    public long rssMib() {
        return rssKib / 1024;
    }

    public long peakRssMib() {
        return peakRssKib / 1024;
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
