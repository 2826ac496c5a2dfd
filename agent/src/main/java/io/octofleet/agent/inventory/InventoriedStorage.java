package io.octofleet.agent.inventory;

import java.util.Locale;
import java.util.Set;

/**
 * Decides which disks and file systems belong in an inventory: those that hold data on this host, not the kernel's
 * pseudo file systems or RAM-backed devices, whose number and size change with every container and would make
 * every report look like a change.
 */
final class InventoriedStorage {

    /** Pseudo, RAM-backed and read-only image file systems (snaps and live media are squashfs). */
    private static final Set<String> PSEUDO_FILE_SYSTEMS = Set.of(
            "tmpfs", "devtmpfs", "ramfs", "overlay", "overlayfs", "aufs", "squashfs", "proc", "sysfs", "cgroup",
            "cgroup2", "devpts", "devfs", "mqueue", "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs",
            "fusectl", "hugetlbfs", "autofs", "binfmt_misc", "efivarfs", "nsfs", "rpc_pipefs", "selinuxfs", "nfsd",
            "ramdisk", "none");

    /** Loop devices back images and snaps; ram/zram are memory; dm-* repeat the disks beneath them. */
    private static final Set<String> NON_DISK_PREFIXES = Set.of("loop", "ram", "zram", "dm-", "sr", "fd");

    private InventoriedStorage() {
    }

    /**
     * A file system is inventoried unless its type is a pseudo file system or a FUSE view ("fuse.lxcfs",
     * "fuse.gvfsd-fuse", "fuse.sshfs"; block-device-backed "fuseblk" such as NTFS stays), or it has no size.
     */
    static boolean isInventoried(String fileSystemType, long totalBytes) {
        String type = fileSystemType.toLowerCase(Locale.ROOT);
        return totalBytes > 0 && !PSEUDO_FILE_SYSTEMS.contains(type) && !type.startsWith("fuse.");
    }

    /**
     * A disk is inventoried unless it is a loop, RAM, device-mapper, optical or floppy device, or has no size
     * (an empty card reader).
     */
    static boolean isInventoriedDisk(String kernelName, long sizeBytes) {
        return sizeBytes > 0 && NON_DISK_PREFIXES.stream().noneMatch(kernelName::startsWith);
    }
}
