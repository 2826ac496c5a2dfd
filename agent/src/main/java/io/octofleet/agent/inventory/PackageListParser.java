package io.octofleet.agent.inventory;

import io.octofleet.agent.inventory.HostInventory.InstalledPackage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the tab-separated package lists that {@link PackageInventory} asks dpkg-query and rpm for: name, version,
 * architecture, and for dpkg a fourth column with the abbreviated status ("ii ").
 *
 * <p>The status column exists because {@code dpkg-query -W} also lists packages that were removed but left their
 * configuration files behind ("rc"); those are not installed and must not appear in the inventory.
 */
final class PackageListParser {

    private static final Logger log = LoggerFactory.getLogger(PackageListParser.class);

    static final Comparator<InstalledPackage> ORDER = Comparator.comparing(InstalledPackage::name)
            .thenComparing(InstalledPackage::arch)
            .thenComparing(InstalledPackage::version);

    private PackageListParser() {
    }

    /** @return installed packages sorted by name, architecture, version */
    static List<InstalledPackage> parse(String output) {
        List<InstalledPackage> packages = new ArrayList<>();
        int skipped = 0;
        for (String line : output.split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split("\t", -1);
            if (fields.length < 3 || fields.length > 4 || fields[0].isBlank()) {
                skipped++;
                continue;
            }
            if (fields.length == 4 && !isInstalled(fields[3])) {
                continue;
            }
            packages.add(new InstalledPackage(fields[0].strip(), fields[1].strip(), arch(fields[2])));
        }
        if (skipped > 0) {
            log.warn("Skipped {} unreadable package list lines", skipped);
        }
        packages.sort(ORDER);
        return packages;
    }

    /** The second letter of dpkg's status abbreviation is the current state; 'i' is "installed". */
    private static boolean isInstalled(String statusAbbrev) {
        return statusAbbrev.length() >= 2 && statusAbbrev.charAt(1) == 'i';
    }

    /** rpm prints "(none)" for packages without an architecture, such as gpg-pubkey. */
    private static String arch(String field) {
        String arch = field.strip();
        return arch.equals("(none)") ? "" : arch;
    }
}
