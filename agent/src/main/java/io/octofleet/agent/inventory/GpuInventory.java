package io.octofleet.agent.inventory;

import io.octofleet.agent.inventory.HostInventory.Gpu;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists graphics cards. OSHI sees every card but names NVIDIA data-centre GPUs vaguely ("GH100 [H100 SXM5 80GB]"
 * at best) and knows neither their UUID nor their MIG mode, so where nvidia-smi answers, its GPUs replace OSHI's
 * NVIDIA entries; cards of other vendors stay as OSHI reports them.
 */
final class GpuInventory {

    private static final Logger log = LoggerFactory.getLogger(GpuInventory.class);

    /** A hung NVIDIA driver makes nvidia-smi block in the kernel; the inventory goes on without it. */
    private static final Duration NVIDIA_SMI_TIMEOUT = Duration.ofSeconds(5);

    private final CommandRunner runner;

    GpuInventory(CommandRunner runner) {
        this.runner = runner;
    }

    List<Gpu> collect(List<Gpu> fromOshi) {
        return merge(fromOshi, nvidiaSmi());
    }

    static List<Gpu> merge(List<Gpu> fromOshi, List<Gpu> fromNvidiaSmi) {
        List<Gpu> gpus = new ArrayList<>();
        for (Gpu gpu : fromOshi) {
            if (fromNvidiaSmi.isEmpty() || !isNvidia(gpu.vendor())) {
                gpus.add(gpu);
            }
        }
        gpus.addAll(fromNvidiaSmi);
        return gpus;
    }

    /** OSHI gives the PCI vendor as a name ("NVIDIA Corporation") or, on some platforms, as its id (0x10de). */
    static boolean isNvidia(String vendor) {
        String lower = vendor.toLowerCase(Locale.ROOT);
        return lower.contains("nvidia") || lower.contains("10de");
    }

    private List<Gpu> nvidiaSmi() {
        Optional<CommandRunner.Result> result = runner.run(NvidiaSmiParser.QUERY, NVIDIA_SMI_TIMEOUT);
        if (result.isEmpty()) {
            return List.of();
        }
        if (result.get().exitCode() != 0) {
            // Drivers before R450 refuse the whole query over the one field they do not know; ask again without it.
            result = runner.run(NvidiaSmiParser.QUERY_WITHOUT_MIG, NVIDIA_SMI_TIMEOUT);
            if (result.isEmpty()) {
                return List.of();
            }
        }
        if (result.get().exitCode() != 0) {
            // Installed but unusable: driver not loaded, no devices, version mismatch after an upgrade.
            log.warn("nvidia-smi exited {}: {}", result.get().exitCode(), firstLine(result.get().stdout()));
            return List.of();
        }
        return NvidiaSmiParser.parse(result.get().stdout());
    }

    private static String firstLine(String text) {
        return text.lines().findFirst().orElse("").strip();
    }
}
