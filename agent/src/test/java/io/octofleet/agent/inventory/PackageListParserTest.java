package io.octofleet.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.octofleet.agent.inventory.HostInventory.InstalledPackage;
import java.util.List;
import org.junit.jupiter.api.Test;

class PackageListParserTest {

    @Test
    void readsInstalledDebianPackagesWithEpochs() {
        List<InstalledPackage> packages = PackageListParser.parse(Fixtures.read("packages/dpkg-debian12.tsv"));

        assertThat(packages).hasSize(32);
        assertThat(packages).contains(
                new InstalledPackage("bsdutils", "1:2.38.1-5+deb12u3", "amd64"),
                new InstalledPackage("libc6", "2.36-9+deb12u14", "amd64"),
                new InstalledPackage("tzdata", "2025b-0+deb12u2", "all"));
        assertThat(packages).isSortedAccordingTo(PackageListParser.ORDER);
    }

    @Test
    void leavesOutDebianPackagesRemovedWithConfigurationLeft() {
        assertThat(PackageListParser.parse(Fixtures.read("packages/dpkg-debian12.tsv")))
                .extracting(InstalledPackage::name)
                .doesNotContain("linux-image-6.1.0-17-amd64");
    }

    @Test
    void readsRpmPackagesKeepingMultilibAndParallelKernels() {
        List<InstalledPackage> packages = PackageListParser.parse(Fixtures.read("packages/rpm-rocky9.tsv"));

        assertThat(packages).hasSize(10);
        assertThat(packages).filteredOn(p -> p.name().equals("glibc"))
                .extracting(InstalledPackage::arch).containsExactly("i686", "x86_64");
        assertThat(packages).filteredOn(p -> p.name().equals("kernel-core"))
                .extracting(InstalledPackage::version)
                .containsExactly("5.14.0-362.24.1.el9_3", "5.14.0-427.22.1.el9_4");
    }

    @Test
    void readsRpmArchitectureNoneAsEmpty() {
        assertThat(PackageListParser.parse(Fixtures.read("packages/rpm-rocky9.tsv")))
                .contains(new InstalledPackage("gpg-pubkey", "350d275d-6279464b", ""));
    }

    @Test
    void skipsUnreadableLinesAndToleratesCrlf() {
        assertThat(PackageListParser.parse("bash\t5.2-1\tamd64\tii \r\nerror: rpmdb locked\r\n\tno-name\tx\r\n\r\n"))
                .containsExactly(new InstalledPackage("bash", "5.2-1", "amd64"));
    }
}
