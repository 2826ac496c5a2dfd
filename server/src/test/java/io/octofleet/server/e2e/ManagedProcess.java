package io.octofleet.server.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A java -jar child process whose output goes to a log file the test can read and show on failure. */
final class ManagedProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ManagedProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ManagedProcess start(Path jar, Map<String, String> env, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-Djava.io.tmpdir=" + log.getParent().resolve("tmp"));
        command.add("-Djna.tmpdir=" + log.getParent().resolve("tmp/jna"));
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        Files.createDirectories(log.getParent().resolve("tmp"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        return new ManagedProcess(builder.start(), log);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit on its own and returns its exit code. */
    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process did not exit within " + timeout + "; log:\n" + log());
        }
        return process.exitValue();
    }

    /** SIGTERM, as systemd would; waits for a clean exit. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
