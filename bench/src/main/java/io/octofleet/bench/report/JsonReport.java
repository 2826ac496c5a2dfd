package io.octofleet.bench.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A benchmark's results as the pretty-printed JSON file {@code --out} names (bench/results/ keeps such files). */
public final class JsonReport {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private JsonReport() {
    }

    /** Writes {@code root} to {@code out}, creating its directory, and says so on stderr. */
    public static void write(Path out, Object root) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, GSON.toJson(root) + "\n", StandardCharsets.UTF_8);
        System.err.println("wrote " + out);
    }
}
