package io.octofleet.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The machine a figure was measured on, as a benchmark report states it. */
public record Machine(String cpuModel, int cpus, long memoryMib, String os, String java) {

    /** This machine, read from {@code /proc} and {@code /etc/os-release}; "unknown" where they say nothing. */
    public static Machine current() {
        List<String> cpuinfo = lines("/proc/cpuinfo");
        String model = cpuinfo.stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(Machine::value).orElse("unknown");
        long memKib = lines("/proc/meminfo").stream().filter(l -> l.startsWith("MemTotal:")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).orElse(0L);
        String os = lines("/etc/os-release").stream().filter(l -> l.startsWith("PRETTY_NAME=")).findFirst()
                .map(l -> value(l.replace('=', ':')).replace("\"", "")).orElse(System.getProperty("os.name"));
        return new Machine(model, Runtime.getRuntime().availableProcessors(), memKib / 1024, os,
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    }

    /**
     * The 1-minute load average now ({@code /proc/loadavg}), -1 when unknown. Recorded beside each figure: on a small
     * shared machine, other work competing for the cores changes the figure, and this is how a reader can tell.
     */
    public static double loadAverage() {
        List<String> load = lines("/proc/loadavg");
        return load.isEmpty() ? -1 : Double.parseDouble(load.get(0).split(" ")[0]);
    }

    private static String value(String line) {
        return line.substring(line.indexOf(':') + 1).strip();
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException e) {
            return List.of();
        }
    }
}
