package io.octofleet.server.ansible;

import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Follows ansible-runner's {@code artifacts/<ident>/job_events/<counter>-<uuid>.json} files in counter order.
 *
 * <p>ansible-runner writes each file in place rather than renaming it into place, so while it runs a file may be
 * incomplete: then only the next counter is taken, and only once it parses. After the run every remaining file is
 * taken in order.
 */
final class JobEventFiles {
    private static final Pattern EVENT_FILE = Pattern.compile("(\\d+)-.+\\.json");

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
        for (EventFile file : pending()) {
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
        for (EventFile file : pending()) {
            lastCounter = file.counter();
            parse(file.path()).ifPresent(sink);
        }
    }

    private record EventFile(long counter, Path path) {
    }

    private List<EventFile> pending() {
        List<EventFile> files = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return files;
        }
        try (Stream<Path> list = Files.list(directory)) {
            list.forEach(path -> {
                String name = path.getFileName().toString();
                Matcher m = EVENT_FILE.matcher(name);
                // <uuid>-partial.json files hold data still to be merged; a uuid may start with digits.
                if (m.matches() && !name.endsWith("-partial.json")) {
                    long counter = Long.parseLong(m.group(1));
                    if (counter > lastCounter) {
                        files.add(new EventFile(counter, path));
                    }
                }
            });
        } catch (IOException e) {
            return files;
        }
        files.sort(Comparator.comparingLong(EventFile::counter));
        return files;
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
