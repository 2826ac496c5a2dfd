package io.octofleet.agent.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code nvidia-smi -q -x} where the host has it and reads the GPUs' figures. A host without nvidia-smi has no
 * GPU figures; the agent looks again every {@link #LOOK_AGAIN} (a driver installed later is picked up). A driver
 * that hangs is killed after {@link #TIMEOUT}.
 */
public final class GpuSampler {
    private static final Logger LOG = LoggerFactory.getLogger(GpuSampler.class);
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final Duration LOOK_AGAIN = Duration.ofMinutes(10);

    private final String program;
    private Path found;
    private Instant lookedAt;
    private String lastProblem;

    /** @param program "nvidia-smi" (looked up on PATH) or a path to it */
    public GpuSampler(String program) {
        this.program = program;
    }

    public List<GpuSample> sample() {
        Path binary = locate();
        if (binary == null) {
            return List.of();
        }
        List<String> command = new ArrayList<>(NvidiaSmi.QUERY);
        command.set(0, binary.toString());
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return process.getInputStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return problem("nvidia-smi did not answer within " + TIMEOUT.toSeconds() + " s");
            }
            String text = new String(output.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                return problem("nvidia-smi exited with " + process.exitValue() + ": " + firstLine(text));
            }
            List<GpuSample> gpus = NvidiaSmi.parse(text);
            lastProblem = null;
            return gpus;
        } catch (IOException | ExecutionException | TimeoutException | IllegalArgumentException e) {
            return problem("nvidia-smi failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private Path locate() {
        Instant now = Instant.now();
        if (found != null) {
            return found;
        }
        if (lookedAt != null && Duration.between(lookedAt, now).compareTo(LOOK_AGAIN) < 0) {
            return null;
        }
        lookedAt = now;
        if (program.contains("/")) {
            Path path = Path.of(program);
            found = Files.isExecutable(path) ? path : null;
        } else {
            String pathVariable = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
            for (String entry : pathVariable.split(java.io.File.pathSeparator)) {
                Path candidate = Path.of(entry.isEmpty() ? "." : entry, program);
                if (Files.isExecutable(candidate)) {
                    found = candidate;
                    break;
                }
            }
        }
        if (found != null) {
            LOG.info("GPU telemetry from {}", found);
        }
        return found;
    }

    /** Logs a problem once (not every interval) and reports no GPUs for this sample. */
    private List<GpuSample> problem(String what) {
        if (!what.equals(lastProblem)) {
            LOG.warn("No GPU figures this time: {}", what);
            lastProblem = what;
        }
        return List.of();
    }

    private static String firstLine(String text) {
        String line = text.strip().lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
