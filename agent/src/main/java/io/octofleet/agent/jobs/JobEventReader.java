package io.octofleet.agent.jobs;

import io.octofleet.ansible.runner.EventFiles;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Turns ansible-runner's {@code artifacts/<ident>/job_events/<counter>-<uuid>.json} files into {@link RunEvent}s
 * in counter order, and keeps the play recap from {@code playbook_on_stats}.
 *
 * <p>ansible-runner writes each file in place rather than renaming it into place, so a file seen while the run goes
 * on may be incomplete: while running, only the next counter is taken, and only once it parses; after the run every
 * remaining file is taken in order.
 */
final class JobEventReader {

    private final Path eventsDirectory;
    private final RunStream out;
    private long lastCounter;
    private PlayRecap recap;
    private String firstFailure;

    JobEventReader(Path eventsDirectory, RunStream out) {
        this.eventsDirectory = eventsDirectory;
        this.out = out;
    }

    /** Passes on the events written so far, stopping at a gap or at a file still being written. */
    synchronized void readNew() {
        for (EventFiles.EventFile file : EventFiles.after(eventsDirectory, lastCounter)) {
            if (file.counter() != lastCounter + 1) {
                return;
            }
            Optional<JsonObject> event = parse(file.path());
            if (event.isEmpty()) {
                return;
            }
            take(file.counter(), event.get());
        }
    }

    /** Passes on every remaining event; for when ansible-runner has ended and no file is still being written. */
    synchronized void readRemaining() {
        for (EventFiles.EventFile file : EventFiles.after(eventsDirectory, lastCounter)) {
            Optional<JsonObject> event = parse(file.path());
            if (event.isPresent()) {
                take(file.counter(), event.get());
            }
        }
    }

    synchronized Optional<PlayRecap> recap() {
        return Optional.ofNullable(recap);
    }

    /** The first failed or unreachable task, as {@code task 'name' failed on host: message}. */
    synchronized Optional<String> firstFailure() {
        return Optional.ofNullable(firstFailure);
    }

    private static Optional<JsonObject> parse(Path file) {
        try {
            JsonElement json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            return json.isJsonObject() ? Optional.of(json.getAsJsonObject()) : Optional.empty();
        } catch (IOException | JsonParseException e) {
            return Optional.empty();
        }
    }

    private void take(long counter, JsonObject event) {
        lastCounter = counter;
        JsonObject data = object(event, "event_data");
        JsonObject res = object(data, "res");
        String task = string(data, "task").orElse("");
        Optional<String> host = string(data, "host");
        switch (string(event, "event").orElse("")) {
            case "playbook_on_task_start", "playbook_on_handler_task_start" ->
                    out.event(RunEvent.Kind.TASK_STARTED, task, Optional.empty(), Optional.empty());
            case "runner_on_ok" -> {
                boolean changed = bool(res, "changed") || bool(data, "changed");
                out.event(changed ? RunEvent.Kind.CHANGED : RunEvent.Kind.OK, task, host, Optional.empty());
            }
            case "runner_on_skipped" -> out.event(RunEvent.Kind.SKIPPED, task, host, Optional.empty());
            case "runner_on_failed" -> failed(RunEvent.Kind.FAILED, task, host, string(res, "msg"),
                    bool(data, "ignore_errors"));
            case "runner_on_unreachable" -> failed(RunEvent.Kind.UNREACHABLE, task, host, string(res, "msg"), false);
            case "playbook_on_stats" -> recap = new PlayRecap(sum(data, "ok"), sum(data, "changed"),
                    sum(data, "failures"), sum(data, "dark"), sum(data, "skipped"));
            default -> {
                // Play start, per-item results, verbose lines: the output stream already shows them.
            }
        }
    }

    private void failed(RunEvent.Kind kind, String task, Optional<String> host, Optional<String> message,
            boolean ignored) {
        out.event(kind, task, host, message);
        if (firstFailure == null && !ignored) {
            firstFailure = "task '" + task + "' " + (kind == RunEvent.Kind.FAILED ? "failed" : "unreachable")
                    + host.map(h -> " on " + h).orElse("") + message.map(m -> ": " + m).orElse("");
        }
    }

    private static JsonObject object(JsonObject parent, String name) {
        JsonElement e = parent.get(name);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
    }

    private static Optional<String> string(JsonObject parent, String name) {
        JsonElement e = parent.get(name);
        return e != null && e.isJsonPrimitive() ? Optional.of(e.getAsString()) : Optional.empty();
    }

    private static boolean bool(JsonObject parent, String name) {
        JsonElement e = parent.get(name);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && e.getAsBoolean();
    }

    /** playbook_on_stats gives each count per host: {@code "ok": {"localhost": 2}}. */
    private static int sum(JsonObject data, String name) {
        int total = 0;
        for (Map.Entry<String, JsonElement> host : object(data, name).entrySet()) {
            if (host.getValue().isJsonPrimitive() && host.getValue().getAsJsonPrimitive().isNumber()) {
                total += host.getValue().getAsInt();
            }
        }
        return total;
    }
}
