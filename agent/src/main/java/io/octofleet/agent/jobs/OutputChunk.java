package io.octofleet.agent.jobs;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A piece of a run's output as it arrived. The bytes are raw: a multi-byte character may be split across chunks.
 *
 * @param sequence the run's event counter, see {@link RunListener}
 */
public record OutputChunk(long sequence, Source source, byte[] bytes) {

    /** The stream the bytes were written to. */
    public enum Source {
        STDOUT,
        STDERR
    }

    public OutputChunk {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(bytes, "bytes");
    }

    /** The bytes as UTF-8, for logs and tests. */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
