package io.octofleet.ansible.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * ansible-runner's {@code job_events} directory: one {@code <counter>-<uuid>.json} file per event, written whole
 * (renamed into place); {@code <uuid>-partial.json} files are still being merged and are not events yet. The agent
 * and the server's direct mode both follow it while a run goes on.
 */
public final class EventFiles {
    private static final Pattern EVENT_FILE = Pattern.compile("(\\d+)-.+\\.json");

    private EventFiles() {
    }

    /** An event file and its counter (ansible-runner numbers events from 1, in order). */
    public record EventFile(long counter, Path path) {
    }

    /** The complete event files in {@code directory} numbered after {@code lastCounter}, in counter order. */
    public static List<EventFile> after(Path directory, long lastCounter) {
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
            return files; // the directory went away with the run: nothing more to read
        }
        files.sort(Comparator.comparingLong(EventFile::counter));
        return files;
    }
}
