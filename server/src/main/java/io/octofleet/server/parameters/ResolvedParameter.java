package io.octofleet.server.parameters;

/**
 * A parameter as a job receives it: the plaintext value even for a secret, whether it is secret (so the job engine
 * can keep it out of logs and output), and its source ({@code node}, {@code group:<id>}, {@code global}).
 * Not serialisable on purpose; {@link #toString()} hides a secret value.
 */
public record ResolvedParameter(String value, boolean secret, String source) {
    @Override
    public String toString() {
        return "ResolvedParameter[value=" + (secret ? "<secret>" : value) + ", secret=" + secret + ", source=" + source
                + "]";
    }
}
