package io.octofleet.agent.metrics;

import java.util.List;

/**
 * One GPU's live figures at one moment, as {@code nvidia-smi -q -x} reports them. A figure the board or driver does
 * not report ({@code N/A}, {@code [Not Supported]}) is {@code null}, never 0: "no reading" and "idle" are different.
 *
 * @param index               position of the GPU in nvidia-smi's output (its index on this host)
 * @param uuid                the GPU's UUID, the key that matches inventory ({@code GPU-…})
 * @param utilizationPercent  share of time a kernel ran, 0-100 (not reported per GPU while MIG is on)
 * @param memoryUtilizationPercent share of time device memory was read or written, 0-100
 * @param memoryUsedBytes     device memory in use
 * @param memoryTotalBytes    device memory in all
 * @param temperatureCelsius  core temperature
 * @param powerDrawWatts      board power draw, averaged over the last second as nvidia-smi shows it (instantaneous where the driver has no average)
 * @param powerLimitWatts     the power limit in force
 * @param smClockMhz          current SM clock
 * @param memoryClockMhz      current memory clock
 * @param eccCorrectedErrors  corrected ECC errors since the driver loaded (volatile)
 * @param eccUncorrectedErrors uncorrected ECC errors since the driver loaded (volatile)
 * @param migEnabled          whether MIG mode is on (null where the board has no MIG)
 * @param migInstances        the MIG devices, empty when MIG is off
 */
public record GpuSample(int index, String uuid, Double utilizationPercent, Double memoryUtilizationPercent,
                        Long memoryUsedBytes, Long memoryTotalBytes, Double temperatureCelsius, Double powerDrawWatts,
                        Double powerLimitWatts, Double smClockMhz, Double memoryClockMhz, Long eccCorrectedErrors,
                        Long eccUncorrectedErrors, Boolean migEnabled, List<MigInstance> migInstances) {
    public GpuSample {
        migInstances = List.copyOf(migInstances);
    }

    /**
     * One MIG device. nvidia-smi reports memory per MIG device; utilisation per instance needs DCGM, so it is not here.
     *
     * @param gpuInstance     the GPU instance id (GI)
     * @param computeInstance the compute instance id (CI)
     */
    public record MigInstance(int index, int gpuInstance, int computeInstance, Long memoryUsedBytes,
                              Long memoryTotalBytes, Integer multiprocessors) {
    }
}
