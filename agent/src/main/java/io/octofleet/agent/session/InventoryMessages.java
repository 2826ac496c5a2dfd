package io.octofleet.agent.session;

import com.google.protobuf.CodedOutputStream;
import io.octofleet.agent.inventory.HostInventory;
import io.octofleet.proto.agent.v1.Cpu;
import io.octofleet.proto.agent.v1.Disk;
import io.octofleet.proto.agent.v1.FileSystem;
import io.octofleet.proto.agent.v1.Gpu;
import io.octofleet.proto.agent.v1.InventoryReport;
import io.octofleet.proto.agent.v1.Memory;
import io.octofleet.proto.agent.v1.Nic;
import io.octofleet.proto.agent.v1.OperatingSystem;
import io.octofleet.proto.agent.v1.Package;
import io.octofleet.proto.agent.v1.SystemInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/** Converts a {@link HostInventory} to its wire form, the only place the inventory meets generated proto code. */
public final class InventoryMessages {

    private InventoryMessages() {
    }

    public static InventoryReport toProto(HostInventory inventory, Instant collectedAt) {
        HostInventory.OperatingSystem os = inventory.os();
        HostInventory.Cpu cpu = inventory.cpu();
        HostInventory.SystemInfo system = inventory.system();
        InventoryReport.Builder report = InventoryReport.newBuilder()
                .setCollectedUnixMs(collectedAt.toEpochMilli())
                .setOs(OperatingSystem.newBuilder()
                        .setFamily(os.family())
                        .setName(os.name())
                        .setVersion(os.version())
                        .setKernel(os.kernel())
                        .setArch(os.arch()))
                .setCpu(Cpu.newBuilder()
                        .setModel(cpu.model())
                        .setVendor(cpu.vendor())
                        .setSockets(cpu.sockets())
                        .setCores(cpu.cores())
                        .setThreads(cpu.threads())
                        .setMaxFrequencyHz(cpu.maxFrequencyHz()))
                .setMemory(Memory.newBuilder().setTotalBytes(inventory.memory().totalBytes()))
                .setSystem(SystemInfo.newBuilder()
                        .setManufacturer(system.manufacturer())
                        .setModel(system.model())
                        .setSerial(system.serial())
                        .setUuid(system.uuid())
                        .setBiosVersion(system.biosVersion())
                        .setVirtualization(system.virtualization()))
                .setBootTimeUnixSeconds(inventory.bootTime().getEpochSecond());
        inventory.disks().forEach(disk -> report.addDisks(Disk.newBuilder()
                .setName(disk.name())
                .setModel(disk.model())
                .setSerial(disk.serial())
                .setSizeBytes(disk.sizeBytes())
                .setType(disk.type())));
        inventory.filesystems().forEach(fs -> report.addFilesystems(FileSystem.newBuilder()
                .setMount(fs.mount())
                .setType(fs.type())
                .setTotalBytes(fs.totalBytes())
                .setFreeBytes(fs.freeBytes())));
        inventory.nics().forEach(nic -> report.addNics(Nic.newBuilder()
                .setName(nic.name())
                .setMac(nic.mac())
                .addAllIpv4(nic.ipv4())
                .addAllIpv6(nic.ipv6())
                .setSpeedBps(nic.speedBps())));
        inventory.gpus().forEach(gpu -> report.addGpus(Gpu.newBuilder()
                .setVendor(gpu.vendor())
                .setModel(gpu.model())
                .setUuid(gpu.uuid())
                .setVramBytes(gpu.vramBytes())
                .setDriverVersion(gpu.driverVersion())
                .setMigMode(gpu.migMode())));
        inventory.packages().forEach(pkg -> report.addPackages(Package.newBuilder()
                .setName(pkg.name())
                .setVersion(pkg.version())
                .setArch(pkg.arch())));
        return report.build();
    }

    /**
     * Identifies a report's content, so the agent sends an inventory only when the host changed: the lower-case hex
     * SHA-256 of the report without its volatile fields (the collection time and every file system's free space).
     */
    public static String fingerprint(InventoryReport report) {
        InventoryReport.Builder stable = report.toBuilder().clearCollectedUnixMs();
        for (FileSystem.Builder fs : stable.getFilesystemsBuilderList()) {
            fs.clearFreeBytes();
        }
        return HexFormat.of().formatHex(sha256(deterministicBytes(stable.build())));
    }

    /** Default protobuf serialization may vary between runs for some fields (maps); deterministic mode may not. */
    private static byte[] deterministicBytes(InventoryReport report) {
        byte[] bytes = new byte[report.getSerializedSize()];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.useDeterministicSerialization();
        try {
            report.writeTo(out);
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }
}
