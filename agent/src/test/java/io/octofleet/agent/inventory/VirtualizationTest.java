package io.octofleet.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VirtualizationTest {

    @Test
    void readsSystemdDetectVirtAndCallsMicrosoftHyperv() {
        assertThat(Virtualization.fromDetectVirt("kvm\n")).isEqualTo("kvm");
        assertThat(Virtualization.fromDetectVirt("microsoft\n")).isEqualTo("hyperv");
        assertThat(Virtualization.fromDetectVirt("none\n")).isEmpty();
    }

    @Test
    void recognisesHypervisorsByDmiStrings() {
        assertThat(Virtualization.fromDmi("QEMU\n", "Standard PC (Q35 + ICH9, 2009)\n")).isEqualTo("qemu");
        assertThat(Virtualization.fromDmi("Red Hat\n", "KVM\n")).isEqualTo("kvm");
        assertThat(Virtualization.fromDmi("VMware, Inc.\n", "VMware7,1\n")).isEqualTo("vmware");
        assertThat(Virtualization.fromDmi("Xen\n", "HVM domU\n")).isEqualTo("xen");
        assertThat(Virtualization.fromDmi("Microsoft Corporation\n", "Virtual Machine\n")).isEqualTo("hyperv");
        assertThat(Virtualization.fromDmi("innotek GmbH\n", "VirtualBox\n")).isEqualTo("oracle");
    }

    @Test
    void callsKnownServerVendorsBareMetal() {
        assertThat(Virtualization.fromDmi("Dell Inc.\n", "PowerEdge R750\n")).isEmpty();
        assertThat(Virtualization.fromDmi("Supermicro\n", "SYS-821GE-TNHR\n")).isEmpty();
        assertThat(Virtualization.fromDmi("", "")).isEmpty();
    }

    @Test
    void seesTheCpuHypervisorFlag() {
        assertThat(Virtualization.hasHypervisorFlag("processor\t: 0\nflags\t\t: fpu vme de hypervisor lahf_lm\n"))
                .isTrue();
        assertThat(Virtualization.hasHypervisorFlag("processor\t: 0\nflags\t\t: fpu vme de lahf_lm\n")).isFalse();
    }
}
