package io.octofleet.agent.inventory;

import io.octofleet.agent.inventory.HostInventory.InstalledPackage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists installed packages from dpkg (Debian, Ubuntu) or, where dpkg is absent or knows no packages, rpm (RHEL,
 * SUSE). A host with neither gets an empty list.
 */
final class PackageInventory {

    private static final Logger log = LoggerFactory.getLogger(PackageInventory.class);

    static final List<String> DPKG = List.of(
            "dpkg-query", "-W", "-f", "${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Abbrev}\\n");
    static final List<String> RPM = List.of("rpm", "-qa", "--qf", "%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\n");

    /** Generous: rpm reads its whole database, which takes seconds on a cold cache. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final CommandRunner runner;

    PackageInventory(CommandRunner runner) {
        this.runner = runner;
    }

    List<InstalledPackage> collect() {
        List<InstalledPackage> packages = query(DPKG);
        return packages.isEmpty() ? query(RPM) : packages;
    }

    private List<InstalledPackage> query(List<String> command) {
        Optional<CommandRunner.Result> result = runner.run(command, TIMEOUT);
        if (result.isEmpty()) {
            return List.of();
        }
        if (result.get().exitCode() != 0) {
            log.warn("{} exited {}; no packages from it", command.get(0), result.get().exitCode());
            return List.of();
        }
        return PackageListParser.parse(result.get().stdout());
    }
}
