package io.octofleet.bench.sim;

import io.octofleet.agent.session.InventoryMessages;
import io.octofleet.proto.agent.v1.InventoryReport;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostTemplateTest {

    @Test
    void aHostIsTheSameOnEveryRunSoARerunReportsAnUnchangedInventory() {
        InventoryReport first = HostTemplate.UBUNTU22_GPU.host("sim-00007", 7, 0).report(0, 1_000);
        InventoryReport again = HostTemplate.UBUNTU22_GPU.host("sim-00007", 7, 0).report(0, 99_000);

        assertThat(InventoryMessages.fingerprint(again)).isEqualTo(InventoryMessages.fingerprint(first));
    }

    @Test
    void eachChangeUpgradesOnePackageAndChangesTheFingerprint() {
        HostTemplate.Host host = HostTemplate.DEBIAN12_VM.host("sim-00001", 1, 0);
        InventoryReport before = host.report(0, 0);
        InventoryReport after = host.report(1, 0);

        assertThat(InventoryMessages.fingerprint(after)).isNotEqualTo(InventoryMessages.fingerprint(before));
        long differing = java.util.stream.IntStream.range(0, before.getPackagesCount())
                .filter(i -> !before.getPackages(i).equals(after.getPackages(i))).count();
        assertThat(differing).isEqualTo(1);
        assertThat(after.getPackagesCount()).isEqualTo(before.getPackagesCount());
    }

    @Test
    void hostsStayWithinTheirTemplatesRanges() {
        for (int i = 1; i <= 200; i++) {
            InventoryReport gpu = HostTemplate.UBUNTU22_GPU.host("h", i, 0).report(0, 0);
            assertThat(gpu.getGpusCount()).isBetween(1, 8);
            assertThat(gpu.getPackagesCount()).isBetween(1500, 3000);
            InventoryReport vm = HostTemplate.DEBIAN12_VM.host("h", i, 0).report(0, 0);
            assertThat(vm.getGpusCount()).isZero();
            assertThat(vm.getPackagesCount()).isBetween(500, 900);
            assertThat(vm.getNicsCount()).isEqualTo(1);
        }
        assertThat(HostTemplate.WINDOWS2022.host("w", 3, 2000).report(0, 0).getPackagesCount()).isEqualTo(2000);
        assertThat(HostTemplate.WINDOWS2022.host("w", 3, 0).report(0, 0).getOs().getFamily()).isEqualTo("windows");
    }

    @Test
    void aMixSpreadsHostsByItsWeights() {
        Map<HostTemplate, Integer> mix = HostTemplate.parseMix("debian12-vm=50, ubuntu22-gpu=25,windows2022=25");
        Map<HostTemplate, Integer> drawn = new EnumMap<>(HostTemplate.class);
        for (int i = 1; i <= 1000; i++) {
            drawn.merge(HostTemplate.pick(mix, i), 1, Integer::sum);
        }
        assertThat(drawn).containsEntry(HostTemplate.DEBIAN12_VM, 500).containsEntry(HostTemplate.UBUNTU22_GPU, 250)
                .containsEntry(HostTemplate.WINDOWS2022, 250).doesNotContainKey(HostTemplate.RHEL9_SERVER);
    }

    @Test
    void aBadMixIsRefusedNamingThePart() {
        assertThatThrownBy(() -> HostTemplate.parseMix("debian12-vm=5,solaris=1"))
                .hasMessageContaining("no host template 'solaris'");
        assertThatThrownBy(() -> HostTemplate.parseMix("debian12-vm=many")).hasMessageContaining("debian12-vm=many");
        assertThatThrownBy(() -> HostTemplate.parseMix("debian12-vm=0")).hasMessageContaining("add up to 0");
    }

    @Test
    void metricsCarryOneFigurePerCoreDiskNicAndGpu() {
        HostTemplate.Host host = HostTemplate.UBUNTU22_GPU.host("g", 11, 0);
        var batch = host.metrics(1_000).build();
        assertThat(batch.getValuesList()).filteredOn(v -> v.getName().equals("gpu.util")).hasSize(host.gpus());
        assertThat(batch.getValuesList()).filteredOn(v -> v.getName().equals("nic.rx.bps")).hasSize(host.nics());
        assertThat(batch.getValuesList()).filteredOn(v -> v.getName().equals("cpu.core.usage"))
                .hasSize(Math.min(64, host.cores() * 2));
    }
}
