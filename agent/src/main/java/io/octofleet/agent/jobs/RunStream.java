package io.octofleet.agent.jobs;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Puts one sequence number on everything a run produces and hands it to the {@link RunListener} one call at a time,
 * although stdout, stderr and Ansible's event files are read on different threads.
 */
final class RunStream {
    private final RunListener listener;
    private final CompletableFuture<Void> listenerFailed = new CompletableFuture<>();
    private long sequence;
    private boolean closed;
    private RuntimeException failure;

    RunStream(RunListener listener) {
        this.listener = listener;
    }

    synchronized void output(OutputChunk.Source source, byte[] bytes) {
        if (usable()) {
            deliver(() -> listener.output(new OutputChunk(++sequence, source, bytes)));
        }
    }

    synchronized void event(RunEvent.Kind kind, String task, Optional<String> host, Optional<String> message) {
        if (usable()) {
            deliver(() -> listener.event(new RunEvent(++sequence, kind, task, host, message)));
        }
    }

    /**
     * Drops whatever arrives later: a background process the script left behind may hold the output pipe open
     * after the run has ended and been reported.
     */
    synchronized void close() {
        closed = true;
    }

    /** Completes when the listener has thrown; the run is then killed rather than left running unobserved. */
    CompletableFuture<Void> whenListenerFailed() {
        return listenerFailed.copy();
    }

    /** Rethrows what the listener threw, if it did. */
    synchronized void rethrowListenerFailure() {
        if (failure != null) {
            throw failure;
        }
    }

    private boolean usable() {
        return !closed && failure == null;
    }

    private void deliver(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            failure = e;
            listenerFailed.complete(null);
        }
    }
}
