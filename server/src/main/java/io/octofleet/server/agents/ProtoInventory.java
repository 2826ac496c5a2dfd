package io.octofleet.server.agents;

import io.octofleet.proto.agent.v1.InventoryReport;
import io.octofleet.server.inventory.Inventory;

import java.time.Instant;

/** Proto -> domain for inventory reports; the only place on the server that reads inventory proto types. */
final class ProtoInventory {
    private ProtoInventory() {
    }

    static Inventory toInventory(InventoryReport r) {
        var os = r.getOs();
        var cpu = r.getCpu();
        var sys = r.getSystem();
        return new Inventory(
                new Inventory.OperatingSystem(os.getFamily(), os.getName(), os.getVersion(), os.getKernel(), os.getArch()),
                new Inventory.Cpu(cpu.getModel(), cpu.getVendor(), cpu.getSockets(), cpu.getCores(), cpu.getThreads(),
                        cpu.getMaxFrequencyHz()),
                new Inventory.Memory(r.getMemory().getTotalBytes()),
                r.getDisksList().stream()
                        .map(d -> new Inventory.Disk(d.getName(), d.getModel(), d.getSerial(), d.getSizeBytes(), d.getType()))
                        .toList(),
                r.getFilesystemsList().stream()
                        .map(f -> new Inventory.FileSystem(f.getMount(), f.getType(), f.getTotalBytes(), f.getFreeBytes()))
                        .toList(),
                r.getNicsList().stream()
                        .map(n -> new Inventory.Nic(n.getName(), n.getMac(), n.getIpv4List(), n.getIpv6List(), n.getSpeedBps()))
                        .toList(),
                new Inventory.SystemInfo(sys.getManufacturer(), sys.getModel(), sys.getSerial(), sys.getUuid(),
                        sys.getBiosVersion(), sys.getVirtualization()),
                r.getGpusList().stream()
                        .map(g -> new Inventory.Gpu(g.getVendor(), g.getModel(), g.getUuid(), g.getVramBytes(),
                                g.getDriverVersion(), g.getMigMode()))
                        .toList(),
                r.getPackagesList().stream()
                        .map(p -> new Inventory.SoftwarePackage(p.getName(), p.getVersion(), p.getArch()))
                        .toList(),
                r.getBootTimeUnixSeconds() > 0 ? Instant.ofEpochSecond(r.getBootTimeUnixSeconds()) : null);
    }
}
