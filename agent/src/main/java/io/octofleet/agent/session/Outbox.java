package io.octofleet.agent.session;

import io.grpc.stub.ClientCallStreamObserver;
import io.octofleet.proto.agent.v1.AgentMessage;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongConsumer;

/**
 * The session's outbound side, written by one sender thread. Two lanes: control (hello, heartbeats, acks) always
 * goes before bulk (inventory chunks, run updates), and nothing is written while gRPC flow control says the stream is not
 * ready, so a heartbeat waits behind at most one 64 KiB chunk, never behind a whole report.
 * Sequence numbers are assigned when a message is written, so they increase on the wire.
 */
final class Outbox {
    private record Pending(AgentMessage.Builder message, LongConsumer onSent) {
    }

    private final Deque<Pending> control = new ArrayDeque<>();
    private final Deque<Pending> bulk = new ArrayDeque<>();
    private final ClientCallStreamObserver<AgentMessage> stream;
    private long seq;
    private boolean closed;

    Outbox(ClientCallStreamObserver<AgentMessage> stream) {
        this.stream = stream;
    }

    synchronized void control(AgentMessage.Builder message) {
        control.add(new Pending(message, s -> { }));
        notifyAll();
    }

    /** Queues bulk data; {@code onSent} receives the sequence number it went out with. */
    synchronized void bulk(AgentMessage.Builder message, LongConsumer onSent) {
        bulk.add(new Pending(message, onSent));
        notifyAll();
    }

    /** Drops the inventory chunks not yet written (a newer report replaces them); other bulk data stays. */
    synchronized void clearInventory() {
        bulk.removeIf(pending -> pending.message().hasInventoryChunk());
    }

    /** Bulk messages waiting to be written. */
    synchronized int bulkQueued() {
        return bulk.size();
    }

    /** Called by gRPC when the stream can take more. */
    synchronized void ready() {
        notifyAll();
    }

    synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** The sender loop; returns when the outbox is closed. */
    void drain() throws InterruptedException {
        while (true) {
            Pending next;
            long sequence;
            synchronized (this) {
                while (!closed && (!stream.isReady() || (control.isEmpty() && bulk.isEmpty()))) {
                    wait(1000);
                }
                if (closed) {
                    return;
                }
                next = control.isEmpty() ? bulk.poll() : control.poll();
                sequence = ++seq;
            }
            AgentMessage message = next.message().setSeq(sequence).build();
            try {
                stream.onNext(message);
            } catch (RuntimeException streamGone) {
                return;
            }
            next.onSent().accept(sequence);
        }
    }
}
