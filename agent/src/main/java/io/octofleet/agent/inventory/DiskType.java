package io.octofleet.agent.inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** Tells what kind of medium a disk is: "nvme", "ssd", "hdd", "virtual" or "unknown". */
final class DiskType {

    private static final Path SYS_BLOCK = Path.of("/sys/block");

    private DiskType() {
    }

    /**
     * Classifies a disk on this host. Only Linux says whether a disk rotates; elsewhere non-NVMe, non-virtual disks
     * are "unknown".
     *
     * @param name  the disk's name as OSHI gives it ("/dev/sda", "\\.\PHYSICALDRIVE0")
     * @param model the disk's model, which gives away most virtual disks attached as SCSI or SATA
     */
    static String of(String name, String model) {
        String kernelName = kernelName(name);
        return classify(kernelName, model, rotational(kernelName));
    }

    /**
     * @param rotational the content of /sys/block/&lt;dev&gt;/queue/rotational, if readable
     */
    static String classify(String kernelName, String model, Optional<String> rotational) {
        String lowerModel = model.toLowerCase(Locale.ROOT);
        if (kernelName.startsWith("nvme")) {
            return "nvme";
        }
        // virtio-blk (vd*) and Xen (xvd*) disks only exist in guests. Hypervisors also report rotational=1 for
        // their emulated SCSI disks, so the model is the only hint left for those.
        if (kernelName.startsWith("vd") || kernelName.startsWith("xvd")
                || lowerModel.contains("qemu") || lowerModel.contains("vmware") || lowerModel.contains("vbox")
                || lowerModel.contains("virtual")) {
            return "virtual";
        }
        return rotational.map(String::strip)
                .map(flag -> switch (flag) {
                    case "0" -> "ssd";
                    case "1" -> "hdd";
                    default -> "unknown";
                })
                .orElse("unknown");
    }

    static String kernelName(String name) {
        return name.startsWith("/dev/") ? name.substring("/dev/".length()) : name;
    }

    private static Optional<String> rotational(String kernelName) {
        if (kernelName.isEmpty() || kernelName.contains("/") || kernelName.contains("\\")) {
            return Optional.empty();
        }
        Path flag = SYS_BLOCK.resolve(kernelName).resolve("queue/rotational");
        try {
            return Optional.of(Files.readString(flag));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
