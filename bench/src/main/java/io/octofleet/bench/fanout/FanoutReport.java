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
import java.util.function.ToLongFunction;
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
        out.append(String.format("%7s %9s %9s %10s %-22s %-22s %8s %8s %8s %11s %10s %5s %6s%n", "agents", "enroll_ms",
                "online_ms", "median_ms", "all_results_ms(each)", "job_status_ms(each)", "srv_rss", "srv_peak",
                "pg_rss", "srv_cpu/job", "pg_cpu/job", "load", "errors"));
        for (FanoutResult r : results) {
            out.append(String.format("%7d %9d %9d %10d %-22s %-22s %6dMi %6dMi %6dMi %9dms %8dms %5.1f %6d%n", r.agents(),
                    r.enrollMs(), r.connectMs(), r.medianAllResultsMs(),
                    each(r, FanoutResult.Job::allResultsMs), each(r, FanoutResult.Job::statusFinalMs),
                    r.serverRssMib(), r.serverPeakRssMib(), r.databaseRssMib(),
                    average(r, FanoutResult.Job::serverCpuMs), average(r, FanoutResult.Job::databaseCpuMs),
                    r.jobs().stream().mapToDouble(FanoutResult.Job::loadBefore).max().orElse(0), r.errors().size()));
        }
        for (FanoutResult r : results) {
            for (String error : r.errors()) {
                out.append("error [").append(r.agents()).append("]: ").append(error).append('\n');
            }
        }
        return out.toString();
    }

    private static String each(FanoutResult r, ToLongFunction<FanoutResult.Job> figure) {
        return r.jobs().stream().map(j -> Long.toString(figure.applyAsLong(j))).collect(Collectors.joining(","));
    }

    private static long average(FanoutResult r, ToLongFunction<FanoutResult.Job> figure) {
        return r.jobs().isEmpty() ? 0 : r.jobs().stream().mapToLong(figure).sum() / r.jobs().size();
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
