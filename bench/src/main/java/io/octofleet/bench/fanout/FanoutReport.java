package io.octofleet.bench.fanout;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.octofleet.bench.report.Machine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The results of a fan-out benchmark as a table for people and JSON for tools. */
record FanoutReport(Instant date, Machine machine, Map<String, Object> settings, List<FanoutResult> results) {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    FanoutReport {
        settings = new LinkedHashMap<>(settings);
        results = List.copyOf(results);
    }

    String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%7s %9s %9s %10s %12s %-24s %9s %9s %9s %8s %6s%n", "agents", "enroll_ms",
                "online_ms", "median_ms", "acked_ms", "all_results_ms(each)", "srv_rss", "srv_peak", "pg_rss",
                "srv_cpu", "errors"));
        for (FanoutResult r : results) {
            String each = r.jobs().stream().map(j -> Long.toString(j.allResultsMs())).collect(Collectors.joining(","));
            String acked = r.jobs().stream().map(j -> Long.toString(j.agentsAckedMs()))
                    .collect(Collectors.joining(","));
            long serverCpu = r.jobs().stream().mapToLong(FanoutResult.Job::serverCpuMs).sum();
            out.append(String.format("%7d %9d %9d %10d %12s %-24s %7dMi %7dMi %7dMi %6dms %6d%n", r.agents(),
                    r.enrollMs(), r.connectMs(), r.medianAllResultsMs(), acked, each, r.serverRssMib(),
                    r.serverPeakRssMib(), r.databaseRssMib(), r.jobs().isEmpty() ? 0 : serverCpu / r.jobs().size(),
                    r.errors().size()));
        }
        for (FanoutResult r : results) {
            for (String error : r.errors()) {
                out.append("error [").append(r.agents()).append("]: ").append(error).append('\n');
            }
        }
        return out.toString();
    }

    String json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "fanout");
        root.put("date", date.toString());
        root.put("machine", machine);
        root.put("settings", settings);
        root.put("results", results);
        return GSON.toJson(root);
    }

    void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, json() + "\n", StandardCharsets.UTF_8);
    }
}
