package io.octofleet.agent.metrics;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the output of {@link #QUERY}: one line per GPU, fields separated by ", ", no header, no units (MiB, W, MHz,
 * °C, %). A line of another shape (a driver error, "No devices were found") is skipped with a warning, so one broken
 * GPU does not hide the others.
 */
public final class NvidiaSmiTelemetry {
    private static final Logger log = LoggerFactory.getLogger(NvidiaSmiTelemetry.class);

    /** The command whose output {@link #parse} reads; field order matters. */
    public static final List<String> QUERY = List.of(
            "nvidia-smi",
            "--query-gpu=index,uuid,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,"
                    + "power.draw,power.limit,clocks.sm,clocks.mem,ecc.errors.uncorrected.volatile.total",
            "--format=csv,noheader,nounits");

    private static final int FIELDS = 12;
    private static final long MIB = 1024L * 1024L;

    private NvidiaSmiTelemetry() {
    }

    /** @return one sample per GPU line, in nvidia-smi's order */
    public static List<GpuSample> parse(String csv) {
        List<GpuSample> samples = new ArrayList<>();
        for (String line : csv.split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != FIELDS || !f[0].strip().matches("\\d+") || !f[1].strip().startsWith("GPU-")) {
                log.warn("Skipping unexpected nvidia-smi telemetry line: {}", line.strip());
                continue;
            }
            Double memoryUsedMib = number(f[4]);
            Double memoryTotalMib = number(f[5]);
            Double ecc = number(f[11]);
            samples.add(new GpuSample(Integer.parseInt(f[0].strip()), f[1].strip(), number(f[2]), number(f[3]),
                    memoryUsedMib == null ? null : (long) (memoryUsedMib * MIB),
                    memoryTotalMib == null ? null : (long) (memoryTotalMib * MIB),
                    number(f[6]), number(f[7]), number(f[8]), number(f[9]), number(f[10]),
                    ecc == null ? null : ecc.longValue()));
        }
        return samples;
    }

    /** A number, or null where nvidia-smi says there is none ({@code [N/A]}, {@code [Not Supported]}, {@code N/A}). */
    private static Double number(String field) {
        String value = field.strip();
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
