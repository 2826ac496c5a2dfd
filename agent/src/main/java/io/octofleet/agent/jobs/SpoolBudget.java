package io.octofleet.agent.jobs;

import java.util.concurrent.atomic.AtomicLong;

/** The bytes all run spools may hold together. Output asks for room and is dropped without; other updates take it. */
final class SpoolBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    SpoolBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("spool limit must be positive: " + limit);
        }
        this.limit = limit;
    }

    /** Takes {@code bytes} if they fit under the limit. */
    boolean tryTake(long bytes) {
        while (true) {
            long now = used.get();
            if (now + bytes > limit) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** Takes {@code bytes} even past the limit: for updates that are never dropped. */
    void take(long bytes) {
        used.addAndGet(bytes);
    }

    void give(long bytes) {
        used.addAndGet(-bytes);
    }

    long used() {
        return used.get();
    }
}
