package io.octofleet.agent;

import io.octofleet.agent.metrics.GpuSampler;
import io.octofleet.agent.metrics.HostSample;
import io.octofleet.agent.metrics.HostSampler;
import io.octofleet.agent.metrics.Metric;
import io.octofleet.agent.metrics.MetricNames;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints one sample set, exactly what the running agent would send, to check a host without a server. */
@Command(name = "metrics", description = "Sample this host twice, a second apart (rates need two samples), and print "
        + "the figures the agent sends: name, instance, value.")
final class MetricsCommand implements Callable<Integer> {
    @Option(names = "--nvidia-smi", paramLabel = "PROGRAM", defaultValue = "nvidia-smi",
            description = "nvidia-smi to read GPU figures from. Default: ${DEFAULT-VALUE}.")
    String nvidiaSmi;

    @Override
    public Integer call() throws InterruptedException {
        HostSampler host = new HostSampler();
        HostSample first = host.sample();
        Thread.sleep(1000);
        HostSample second = host.sample();
        for (Metric metric : MetricNames.of(first, second, new GpuSampler(nvidiaSmi).sample())) {
            System.out.printf("%-24s %-24s %s%n", metric.name(), metric.instance().isEmpty() ? "-" : metric.instance(),
                    metric.value() == Math.rint(metric.value()) && Math.abs(metric.value()) < 1e15
                            ? Long.toString((long) metric.value()) : Double.toString(metric.value()));
        }
        return 0;
    }
}
