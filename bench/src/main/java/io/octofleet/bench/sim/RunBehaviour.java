package io.octofleet.bench.sim;

import java.time.Duration;
import java.util.Arrays;

/**
 * What a simulated agent does with every assignment, whatever its script says: report it started, report
 * {@code output} (possibly empty) on stdout, and after {@code finishDelay} report it succeeded with exit code 0.
 */
public record RunBehaviour(Duration finishDelay, byte[] output) {
    public RunBehaviour {
        if (finishDelay.isNegative()) {
            throw new IllegalArgumentException("finish delay must not be negative: " + finishDelay);
        }
        if (output.length > 64 * 1024) {
            throw new IllegalArgumentException("output must fit one RunOutput chunk (64 KiB), got " + output.length);
        }
        output = output.clone();
    }

    /** Finishes at once with no output: the cheapest honest run, so the figure is the platform's overhead. */
    public static RunBehaviour instant() {
        return new RunBehaviour(Duration.ZERO, new byte[0]);
    }

    /** {@code bytes} of printable filler ending in a newline, as a {@code true}-like command with output. */
    public static RunBehaviour withOutput(Duration finishDelay, int bytes) {
        byte[] output = new byte[bytes];
        Arrays.fill(output, (byte) 'x');
        if (bytes > 0) {
            output[bytes - 1] = '\n';
        }
        return new RunBehaviour(finishDelay, output);
    }

    @Override
    public byte[] output() {
        return output.clone();
    }
}
