package io.octofleet.agent.jobs;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Keeps everything a run streamed, with when it arrived. */
final class RecordingListener implements RunListener {
    record Arrival(long sequence, long nanos) {
    }

    final List<OutputChunk> chunks = new ArrayList<>();
    final List<RunEvent> events = new ArrayList<>();
    final List<Arrival> arrivals = new ArrayList<>();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final String awaited;
    private final CountDownLatch seen = new CountDownLatch(1);
    private final Consumer<OutputChunk> onAwaited;

    RecordingListener() {
        this(null, chunk -> { });
    }

    /** Counts down {@link #awaitOutput} once stdout contains {@code awaited}, then calls {@code onAwaited}. */
    RecordingListener(String awaited, Consumer<OutputChunk> onAwaited) {
        this.awaited = awaited;
        this.onAwaited = onAwaited;
    }

    @Override
    public synchronized void output(OutputChunk chunk) {
        chunks.add(chunk);
        arrivals.add(new Arrival(chunk.sequence(), System.nanoTime()));
        (chunk.source() == OutputChunk.Source.STDOUT ? stdout : stderr).writeBytes(chunk.bytes());
        if (awaited != null && seen.getCount() > 0 && stdout().contains(awaited)) {
            onAwaited.accept(chunk);
            seen.countDown();
        }
    }

    @Override
    public synchronized void event(RunEvent event) {
        events.add(event);
        arrivals.add(new Arrival(event.sequence(), System.nanoTime()));
    }

    synchronized String stdout() {
        return stdout.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    synchronized String stderr() {
        return stderr.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    synchronized List<Long> sequences() {
        return arrivals.stream().map(Arrival::sequence).toList();
    }

    boolean awaitOutput(long seconds) throws InterruptedException {
        return seen.await(seconds, TimeUnit.SECONDS);
    }
}
