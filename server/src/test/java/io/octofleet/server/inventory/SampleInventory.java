package io.octofleet.server.inventory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A realistic inventory of one Linux host, and ways to derive the next report from it. */
public final class SampleInventory {
    public static final Instant BOOT = Instant.parse("2026-11-20T07:15:30.123456Z");

    private SampleInventory() {
    }

    /** Lists are in key order, the order reads give back. */
    public static Inventory linuxHost() {
        return new Inventory(
                new Inventory.OperatingSystem("linux", "Debian GNU/Linux", "12", "6.1.0-28-amd64", "x86_64"),
                new Inventory.Cpu("AMD EPYC 7443P", "AuthenticAMD", 1, 24, 48, 4_035_000_000L),
                new Inventory.Memory(128L << 30),
                List.of(new Inventory.Disk("nvme0n1", "Samsung PM9A3", "S64FNE0R", 1_920_383_410_176L, "ssd")),
                List.of(new Inventory.FileSystem("/", "ext4", 100L << 30, 60L << 30),
                        new Inventory.FileSystem("/var", "xfs", 800L << 30, 500L << 30)),
                List.of(new Inventory.Nic("eno1", "3c:ec:ef:10:20:30", List.of("10.0.0.5"), List.of("fe80::3eec:efff:fe10:2030"),
                                10_000_000_000L),
                        new Inventory.Nic("lo", "00:00:00:00:00:00", List.of("127.0.0.1"), List.of("::1"), 0)),
                new Inventory.SystemInfo("Supermicro", "AS-1114S-WN10RT", "S123456", "4c4c4544-0031-3210-8030-b3c04f4e4a31",
                        "2.4", "none"),
                List.of(new Inventory.Gpu("NVIDIA", "A100-SXM4-40GB", "GPU-1b2c3d4e", 40L << 30, "550.54.15", "disabled")),
                List.of(new Inventory.SoftwarePackage("bash", "5.2.15-2+b7", "amd64"),
                        new Inventory.SoftwarePackage("libc6", "2.36-9+deb12u8", "amd64"),
                        new Inventory.SoftwarePackage("openssl", "3.0.14-1~deb12u2", "amd64")),
                BOOT);
    }

    public static Inventory withPackages(Inventory in, UnaryOperator<List<Inventory.SoftwarePackage>> change) {
        return new Inventory(in.os(), in.cpu(), in.memory(), in.disks(), in.filesystems(), in.nics(), in.system(),
                in.gpus(), change.apply(new ArrayList<>(in.packages())), in.bootTime());
    }

    public static Inventory withDisks(Inventory in, UnaryOperator<List<Inventory.Disk>> change) {
        return new Inventory(in.os(), in.cpu(), in.memory(), change.apply(new ArrayList<>(in.disks())), in.filesystems(),
                in.nics(), in.system(), in.gpus(), in.packages(), in.bootTime());
    }

    public static Inventory withFilesystems(Inventory in, UnaryOperator<List<Inventory.FileSystem>> change) {
        return new Inventory(in.os(), in.cpu(), in.memory(), in.disks(), change.apply(new ArrayList<>(in.filesystems())),
                in.nics(), in.system(), in.gpus(), in.packages(), in.bootTime());
    }

    public static Inventory withNics(Inventory in, UnaryOperator<List<Inventory.Nic>> change) {
        return new Inventory(in.os(), in.cpu(), in.memory(), in.disks(), in.filesystems(),
                change.apply(new ArrayList<>(in.nics())), in.system(), in.gpus(), in.packages(), in.bootTime());
    }

    public static Inventory withGpus(Inventory in, List<Inventory.Gpu> gpus) {
        return new Inventory(in.os(), in.cpu(), in.memory(), in.disks(), in.filesystems(), in.nics(), in.system(), gpus,
                in.packages(), in.bootTime());
    }

    public static Inventory withBootTime(Inventory in, Instant bootTime) {
        return new Inventory(in.os(), in.cpu(), in.memory(), in.disks(), in.filesystems(), in.nics(), in.system(),
                in.gpus(), in.packages(), bootTime);
    }
}
