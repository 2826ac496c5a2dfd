package io.octofleet.agent.metrics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.hardware.HWDiskStore;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;
import oshi.hardware.VirtualMemory;
import oshi.software.os.OSFileStore;
import oshi.software.os.OperatingSystem;

/**
 * Samples this host through OSHI: CPU (total and per logical processor, from the ticks since the previous sample),
 * load, memory and swap, file systems, disk and NIC counters, processes, uptime. Not thread-safe: one sampler per
 * collection loop, since CPU usage is the difference to the previous call.
 */
public final class HostSampler {
    private final HardwareAbstractionLayer hardware;
    private final OperatingSystem os;
    private long[] previousTicks;
    private long[][] previousCoreTicks;

    public HostSampler() {
        SystemInfo system = new SystemInfo();
        this.hardware = system.getHardware();
        this.os = system.getOperatingSystem();
    }

    public HostSample sample() {
        CentralProcessor cpu = hardware.getProcessor();
        long[] ticks = cpu.getSystemCpuLoadTicks();
        long[][] coreTicks = cpu.getProcessorCpuLoadTicks();
        Double usage = null;
        List<Double> cores = new ArrayList<>();
        if (previousTicks != null) {
            usage = percent(cpu.getSystemCpuLoadBetweenTicks(previousTicks));
            for (double load : cpu.getProcessorCpuLoadBetweenTicks(previousCoreTicks)) {
                cores.add(percent(load));
            }
        }
        previousTicks = ticks;
        previousCoreTicks = coreTicks;
        double[] load = cpu.getSystemLoadAverage(3);

        GlobalMemory memory = hardware.getMemory();
        VirtualMemory swap = memory.getVirtualMemory();

        List<HostSample.FileSystemUsage> fileSystems = new ArrayList<>();
        for (OSFileStore store : os.getFileSystem().getFileStores(true)) {
            fileSystems.add(new HostSample.FileSystemUsage(store.getMount(), store.getType(),
                    store.getTotalSpace() - store.getUsableSpace(), store.getTotalSpace()));
        }
        List<HostSample.DiskCounters> disks = new ArrayList<>();
        for (HWDiskStore disk : hardware.getDiskStores()) {
            disks.add(new HostSample.DiskCounters(disk.getName(), disk.getReadBytes(), disk.getWriteBytes(),
                    disk.getReads(), disk.getWrites()));
        }
        List<HostSample.NicCounters> nics = new ArrayList<>();
        for (NetworkIF nic : hardware.getNetworkIFs()) {
            nics.add(new HostSample.NicCounters(nic.getName(), nic.getBytesRecv(), nic.getBytesSent(),
                    nic.getInErrors(), nic.getOutErrors()));
        }
        return new HostSample(Instant.now(), usage, cores, loadOrNull(load, 0), loadOrNull(load, 1),
                loadOrNull(load, 2), memory.getTotal() - memory.getAvailable(), memory.getTotal(),
                swap.getSwapUsed(), swap.getSwapTotal(), fileSystems, disks, nics, os.getProcessCount(),
                os.getSystemUptime());
    }

    private static double percent(double fraction) {
        return Math.max(0, Math.min(100, fraction * 100));
    }

    /** OSHI reports a negative value where the OS keeps no load average (Windows). */
    private static Double loadOrNull(double[] load, int i) {
        return load.length > i && load[i] >= 0 ? load[i] : null;
    }
}
