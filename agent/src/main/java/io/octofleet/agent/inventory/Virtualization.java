package io.octofleet.agent.inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Detects the hypervisor a host runs under, in systemd-detect-virt's vocabulary ("kvm", "qemu", "vmware", "xen",
 * "oracle", "amazon", ...) except that Hyper-V is "hyperv". Bare metal is "". Containers are not virtualization
 * here: a container shares its host's hardware, which is what the inventory describes.
 */
final class Virtualization {

    private static final List<String> DETECT_VIRT = List.of("systemd-detect-virt", "--vm");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Path DMI = Path.of("/sys/class/dmi/id");

    /** A hypervisor that neither systemd nor the DMI strings name; systemd-detect-virt says the same. */
    static final String UNIDENTIFIED = "vm-other";

    private final CommandRunner runner;

    Virtualization(CommandRunner runner) {
        this.runner = runner;
    }

    /** Asks systemd first (it knows the most hypervisors), then the DMI strings, then the CPU's hypervisor flag. */
    String detect() {
        Optional<CommandRunner.Result> systemd = runner.run(DETECT_VIRT, TIMEOUT);
        if (systemd.isPresent() && !systemd.get().stdout().isBlank()) {
            return fromDetectVirt(systemd.get().stdout());
        }
        String fromDmi = fromDmi(read(DMI.resolve("sys_vendor")), read(DMI.resolve("product_name")));
        if (!fromDmi.isEmpty()) {
            return fromDmi;
        }
        return hasHypervisorFlag(read(Path.of("/proc/cpuinfo"))) ? UNIDENTIFIED : "";
    }

    /** systemd-detect-virt prints "none" (and exits 1) on bare metal. */
    static String fromDetectVirt(String output) {
        String id = output.strip().toLowerCase(Locale.ROOT);
        if (id.isEmpty() || id.equals("none")) {
            return "";
        }
        return id.equals("microsoft") ? "hyperv" : id;
    }

    /** The strings hypervisors put in the guest's SMBIOS; the same table systemd uses, shortened. */
    static String fromDmi(String sysVendor, String productName) {
        String vendor = sysVendor.strip().toLowerCase(Locale.ROOT);
        String product = productName.strip().toLowerCase(Locale.ROOT);
        if (product.startsWith("kvm") || vendor.startsWith("red hat") && product.contains("kvm")) {
            return "kvm";
        }
        if (vendor.startsWith("qemu") || product.startsWith("standard pc")) {
            return "qemu";
        }
        if (vendor.startsWith("vmware") || product.startsWith("vmware")) {
            return "vmware";
        }
        if (vendor.startsWith("innotek") || product.startsWith("virtualbox")) {
            return "oracle";
        }
        if (vendor.startsWith("xen") || product.startsWith("hvm domu")) {
            return "xen";
        }
        if (vendor.startsWith("microsoft") && product.startsWith("virtual machine")) {
            return "hyperv";
        }
        if (vendor.startsWith("amazon ec2")) {
            return "amazon";
        }
        if (vendor.startsWith("google") && product.startsWith("google compute engine")) {
            return "google";
        }
        if (vendor.startsWith("parallels")) {
            return "parallels";
        }
        if (vendor.startsWith("bochs")) {
            return "bochs";
        }
        return "";
    }

    /** The CPUID hypervisor bit shows up as the "hypervisor" flag in /proc/cpuinfo on x86 guests. */
    static boolean hasHypervisorFlag(String cpuinfo) {
        return cpuinfo.lines()
                .filter(line -> line.startsWith("flags"))
                .anyMatch(line -> List.of(line.substring(line.indexOf(':') + 1).strip().split("\\s+"))
                        .contains("hypervisor"));
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
