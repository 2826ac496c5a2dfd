package io.octofleet.server.ansible;

import io.octofleet.ansible.runner.EventFiles;

import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Follows ansible-runner's {@code artifacts/<ident>/job_events/<counter>-<uuid>.json} files in counter order.
 *
 * <p>ansible-runner writes each file in place rather than renaming it into place, so while it runs a file may be
 * incomplete: then only the next counter is taken, and only once it parses. After the run every remaining file is
 * taken in order.
 */
final class JobEventFiles {

    private final Path directory;
    private final JsonMapper json;
    private final Consumer<JsonNode> sink;
    private long lastCounter;

    JobEventFiles(Path directory, JsonMapper json, Consumer<JsonNode> sink) {
        this.directory = directory;
        this.json = json;
        this.sink = sink;
    }

    /** Passes on the events written so far, stopping at a gap or at a file still being written. */
    void readNew() {
        for (EventFiles.EventFile file : EventFiles.after(directory, lastCounter)) {
            if (file.counter() != lastCounter + 1) {
                return;
            }
            Optional<JsonNode> event = parse(file.path());
            if (event.isEmpty()) {
                return;
            }
            lastCounter = file.counter();
            sink.accept(event.get());
        }
    }

    /** Passes on every remaining event; for when ansible-runner has ended and no file is still being written. */
    void readRemaining() {
        for (EventFiles.EventFile file : EventFiles.after(directory, lastCounter)) {
            lastCounter = file.counter();
            parse(file.path()).ifPresent(sink);
        }
    }

    private Optional<JsonNode> parse(Path file) {
        try {
            JsonNode node = json.readValue(Files.readAllBytes(file), JsonNode.class);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
