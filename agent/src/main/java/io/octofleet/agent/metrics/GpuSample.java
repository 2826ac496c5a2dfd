package io.octofleet.agent.metrics;

/**
 * One GPU's live figures at one moment, as {@code nvidia-smi} reports them. A figure the board or driver does not
 * report ({@code [N/A]}, {@code [Not Supported]}) is {@code null}, never 0: "no reading" and "idle" are different.
 *
 * @param index               nvidia-smi's index of the GPU on this host
 * @param uuid                the GPU's UUID, the key that matches inventory ({@code GPU-…})
 * @param utilizationPercent  share of time a kernel ran, 0-100
 * @param memoryUtilizationPercent share of time device memory was read or written, 0-100
 * @param memoryUsedBytes     device memory in use
 * @param memoryTotalBytes    device memory in all
 * @param temperatureCelsius  core temperature
 * @param powerDrawWatts      board power draw
 * @param powerLimitWatts     the enforced power limit
 * @param smClockMhz          current SM clock
 * @param memoryClockMhz      current memory clock
 * @param eccUncorrectedErrors uncorrected ECC errors since the driver loaded (volatile)
 */
public record GpuSample(int index, String uuid, Double utilizationPercent, Double memoryUtilizationPercent,
                        Long memoryUsedBytes, Long memoryTotalBytes, Double temperatureCelsius, Double powerDrawWatts,
                        Double powerLimitWatts, Double smClockMhz, Double memoryClockMhz, Long eccUncorrectedErrors) {
}
