package io.octofleet.agent.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns samples into the named figures the server stores (docs/agent.md lists them). Counters the kernel keeps
 * (disk and NIC bytes and errors) become rates per second against the previous sample; the first sample has none.
 */
public final class MetricNames {
    private MetricNames() {
    }

    public static List<Metric> of(HostSample previous, HostSample current, List<GpuSample> gpus) {
        List<Metric> out = new ArrayList<>();
        add(out, "cpu.usage", "", current.cpuUsagePercent());
        for (int i = 0; i < current.cpuCoreUsagePercent().size(); i++) {
            add(out, "cpu.core.usage", Integer.toString(i), current.cpuCoreUsagePercent().get(i));
        }
        add(out, "load.1", "", current.load1());
        add(out, "load.5", "", current.load5());
        add(out, "load.15", "", current.load15());
        out.add(new Metric("mem.used.bytes", "", current.memoryUsedBytes()));
        out.add(new Metric("mem.total.bytes", "", current.memoryTotalBytes()));
        if (current.memoryTotalBytes() > 0) {
            out.add(new Metric("mem.used.pct", "", 100.0 * current.memoryUsedBytes() / current.memoryTotalBytes()));
        }
        out.add(new Metric("swap.used.bytes", "", current.swapUsedBytes()));
        out.add(new Metric("swap.total.bytes", "", current.swapTotalBytes()));
        for (HostSample.FileSystemUsage fs : current.fileSystems()) {
            out.add(new Metric("fs.used.bytes", fs.mount(), fs.usedBytes()));
            out.add(new Metric("fs.total.bytes", fs.mount(), fs.totalBytes()));
            if (fs.totalBytes() > 0) {
                out.add(new Metric("fs.free.pct", fs.mount(), 100.0 * (fs.totalBytes() - fs.usedBytes()) / fs.totalBytes()));
            }
        }
        double seconds = previous == null ? 0
                : Duration.between(previous.at(), current.at()).toMillis() / 1000.0;
        if (previous != null && seconds > 0) {
            Map<String, HostSample.DiskCounters> disks = new HashMap<>();
            previous.disks().forEach(d -> disks.put(d.name(), d));
            for (HostSample.DiskCounters disk : current.disks()) {
                HostSample.DiskCounters before = disks.get(disk.name());
                if (before != null) {
                    rate(out, "disk.read.bps", disk.name(), before.readBytes(), disk.readBytes(), seconds);
                    rate(out, "disk.write.bps", disk.name(), before.writeBytes(), disk.writeBytes(), seconds);
                    rate(out, "disk.reads.ps", disk.name(), before.reads(), disk.reads(), seconds);
                    rate(out, "disk.writes.ps", disk.name(), before.writes(), disk.writes(), seconds);
                }
            }
            Map<String, HostSample.NicCounters> nics = new HashMap<>();
            previous.nics().forEach(n -> nics.put(n.name(), n));
            for (HostSample.NicCounters nic : current.nics()) {
                HostSample.NicCounters before = nics.get(nic.name());
                if (before != null) {
                    rate(out, "nic.rx.bps", nic.name(), before.rxBytes(), nic.rxBytes(), seconds);
                    rate(out, "nic.tx.bps", nic.name(), before.txBytes(), nic.txBytes(), seconds);
                    rate(out, "nic.rx.errors.ps", nic.name(), before.rxErrors(), nic.rxErrors(), seconds);
                    rate(out, "nic.tx.errors.ps", nic.name(), before.txErrors(), nic.txErrors(), seconds);
                }
            }
        }
        out.add(new Metric("procs.count", "", current.processes()));
        out.add(new Metric("uptime.seconds", "", current.uptimeSeconds()));
        for (GpuSample gpu : gpus) {
            String i = Integer.toString(gpu.index());
            add(out, "gpu.util", i, gpu.utilizationPercent());
            add(out, "gpu.mem.util", i, gpu.memoryUtilizationPercent());
            add(out, "gpu.mem.used.bytes", i, gpu.memoryUsedBytes());
            add(out, "gpu.mem.total.bytes", i, gpu.memoryTotalBytes());
            if (gpu.memoryUsedBytes() != null && gpu.memoryTotalBytes() != null && gpu.memoryTotalBytes() > 0) {
                out.add(new Metric("gpu.mem.used.pct", i, 100.0 * gpu.memoryUsedBytes() / gpu.memoryTotalBytes()));
            }
            add(out, "gpu.temp", i, gpu.temperatureCelsius());
            add(out, "gpu.power.draw", i, gpu.powerDrawWatts());
            add(out, "gpu.power.limit", i, gpu.powerLimitWatts());
            add(out, "gpu.clock.sm", i, gpu.smClockMhz());
            add(out, "gpu.clock.mem", i, gpu.memoryClockMhz());
            add(out, "gpu.ecc.corrected", i, gpu.eccCorrectedErrors());
            add(out, "gpu.ecc.uncorrected", i, gpu.eccUncorrectedErrors());
            for (GpuSample.MigInstance mig : gpu.migInstances()) {
                String instance = i + "/" + mig.gpuInstance() + "/" + mig.computeInstance();
                add(out, "gpu.mig.mem.used.bytes", instance, mig.memoryUsedBytes());
                add(out, "gpu.mig.mem.total.bytes", instance, mig.memoryTotalBytes());
            }
        }
        return out;
    }

    private static void add(List<Metric> out, String name, String instance, Number value) {
        if (value != null && Double.isFinite(value.doubleValue())) {
            out.add(new Metric(name, instance, value.doubleValue()));
        }
    }

    /** A counter that went down (reboot, driver reload, wrap) gives no rate rather than a negative one. */
    private static void rate(List<Metric> out, String name, String instance, long before, long now, double seconds) {
        if (now >= before) {
            out.add(new Metric(name, instance, (now - before) / seconds));
        }
    }
}
