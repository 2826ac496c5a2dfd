package io.octofleet.agent.inventory;

import io.octofleet.agent.inventory.HostInventory.Gpu;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the output of {@link #QUERY}: one line per GPU, fields separated by ", ", no header, memory in MiB.
 *
 * <p>Lines that do not have the queried shape (driver error messages such as "Unable to determine the device
 * handle for GPU…", "No devices were found") are skipped with a warning rather than failing the whole inventory,
 * because one broken GPU must not hide the others.
 */
final class NvidiaSmiParser {

    private static final Logger log = LoggerFactory.getLogger(NvidiaSmiParser.class);

    /** The command whose output {@link #parse} reads; field order matters. */
    static final List<String> QUERY = List.of(
            "nvidia-smi",
            "--query-gpu=index,name,uuid,memory.total,driver_version,mig.mode.current,pci.bus_id",
            "--format=csv,noheader,nounits");

    /**
     * For drivers older than R450, which reject {@code mig.mode.current} as an unknown field (they predate MIG):
     * the same query without it. {@link #parse} reads both.
     */
    static final List<String> QUERY_WITHOUT_MIG = List.of(
            "nvidia-smi",
            "--query-gpu=index,name,uuid,memory.total,driver_version,pci.bus_id",
            "--format=csv,noheader,nounits");

    private static final int FIELDS = 7;
    private static final long MIB = 1024L * 1024L;

    private NvidiaSmiParser() {
    }

    /** @return the GPUs in the order nvidia-smi listed them (by index) */
    static List<Gpu> parse(String csv) {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : csv.split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split(",", -1);
            boolean withMig = fields.length == FIELDS;
            if (!withMig && fields.length != FIELDS - 1 || !isIndex(fields[0].strip())) {
                log.warn("Skipping unexpected nvidia-smi line: {}", line.strip());
                continue;
            }
            gpus.add(new Gpu(
                    "NVIDIA",
                    value(fields[1]),
                    value(fields[2]),
                    mibToBytes(value(fields[3])),
                    value(fields[4]),
                    withMig ? value(fields[5]) : ""));
        }
        return gpus;
    }

    /** nvidia-smi prints "[N/A]", "N/A" or "[Not Supported]" where a value does not apply. */
    private static String value(String field) {
        String value = field.strip();
        if (value.equals("N/A") || value.startsWith("[") && value.endsWith("]")) {
            return "";
        }
        return value;
    }

    private static boolean isIndex(String field) {
        return !field.isEmpty() && field.chars().allMatch(Character::isDigit);
    }

    private static long mibToBytes(String mib) {
        try {
            return Long.parseLong(mib) * MIB;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
