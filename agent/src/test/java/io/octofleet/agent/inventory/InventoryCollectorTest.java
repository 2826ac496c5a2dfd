package io.octofleet.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.octofleet.agent.inventory.HostInventory.Disk;
import io.octofleet.agent.inventory.HostInventory.FileSystem;
import io.octofleet.agent.inventory.HostInventory.Nic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Collects from the machine the tests run on and checks the result against what Linux itself says. */
@EnabledOnOs(OS.LINUX)
class InventoryCollectorTest {

    private static HostInventory inventory;

    @BeforeAll
    static void collectOnce() {
        inventory = new InventoryCollector().collect();
    }

    @Test
    void countsAsManyThreadsAsNproc() throws IOException {
        String nproc = new CommandRunner().run(List.of("nproc"), Duration.ofSeconds(5)).orElseThrow().stdout().strip();

        assertThat(inventory.cpu().threads())
                .isEqualTo(Integer.parseInt(nproc))
                .isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(inventory.cpu().cores()).isBetween(1, inventory.cpu().threads());
        assertThat(inventory.cpu().sockets()).isBetween(1, inventory.cpu().cores());
    }

    @Test
    void reportsTotalMemoryWithinThreePercentOfMemTotal() throws IOException {
        long memTotalKib = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(line -> line.startsWith("MemTotal:"))
                .map(line -> Long.parseLong(line.replaceAll("\\D", "")))
                .findFirst().orElseThrow();

        assertThat(inventory.memory().totalBytes())
                .isBetween((long) (memTotalKib * 1024 * 0.97), (long) (memTotalKib * 1024 * 1.03));
    }

    @Test
    void findsANicWithTheMacOfARealInterface() throws IOException {
        Set<String> sysfsMacs;
        try (Stream<Path> interfaces = Files.list(Path.of("/sys/class/net"))) {
            sysfsMacs = interfaces
                    .filter(path -> !path.getFileName().toString().equals("lo"))
                    .map(path -> read(path.resolve("address")))
                    .collect(Collectors.toSet());
        }

        assertThat(inventory.nics()).extracting(Nic::mac).containsAnyElementsOf(sysfsMacs);
        assertThat(inventory.nics()).extracting(Nic::name).doesNotContain("lo");
        assertThat(inventory.nics()).allSatisfy(nic -> assertThat(nic.ipv6()).noneMatch(ip -> ip.contains("%")));
    }

    @Test
    void describesLinux() {
        assertThat(inventory.os().family()).isEqualTo("linux");
        assertThat(inventory.os().kernel()).isEqualTo(System.getProperty("os.version"));
        assertThat(inventory.os().arch()).isNotEmpty().isNotEqualTo("amd64");
        assertThat(inventory.os().name()).isNotEmpty();
    }

    @Test
    void listsInstalledPackagesWhereDpkgExists() {
        assumeThat(Files.isExecutable(Path.of("/usr/bin/dpkg-query"))).isTrue();

        assertThat(inventory.packages()).isNotEmpty().isSortedAccordingTo(PackageListParser.ORDER);
        assertThat(inventory.packages()).anySatisfy(pkg -> assertThat(pkg.name()).isEqualTo("dpkg"));
    }

    @Test
    void listsTheRootFileSystemOnceAndNoPseudoFileSystems() {
        assertThat(inventory.filesystems()).extracting(FileSystem::mount).containsOnlyOnce("/").doesNotHaveDuplicates()
                .isSorted();
        assertThat(inventory.filesystems()).extracting(FileSystem::type).doesNotContain("tmpfs", "proc", "overlay");
    }

    @Test
    void listsDisksSortedWithAKnownType() {
        assertThat(inventory.disks()).extracting(Disk::name).isSorted();
        assertThat(inventory.disks()).extracting(Disk::type)
                .allMatch(type -> Set.of("nvme", "ssd", "hdd", "virtual", "unknown").contains(type));
        assertThat(inventory.disks()).extracting(Disk::name).noneMatch(name -> name.contains("loop"));
    }

    @Test
    void reportsBootTimeInThePast() {
        assertThat(inventory.bootTime()).isAfter(Instant.parse("2000-01-01T00:00:00Z")).isBefore(Instant.now());
    }

    @Test
    void saysNothingIsUnknownInsteadOfNull() {
        assertThat(inventory.system().serial()).isNotNull().isNotEqualToIgnoringCase("unknown");
        assertThat(inventory.system().virtualization()).isNotNull();
    }

    @Test
    void collectsTheSameInventoryTwiceApartFromFreeSpace() {
        HostInventory again = new InventoryCollector().collect();

        assertThat(again).usingRecursiveComparison().ignoringFields("filesystems.freeBytes").isEqualTo(inventory);
    }

    @Test
    void knowsItsHostname() throws IOException {
        assertThat(InventoryCollector.hostname())
                .isEqualTo(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
    }

    private static String read(Path path) {
        try {
            return Files.readString(path).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
