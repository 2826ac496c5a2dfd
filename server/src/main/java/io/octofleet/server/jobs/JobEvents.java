package io.octofleet.server.jobs;

import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * What happens to jobs, as it happens on this server replica, for the SSE stream
 * ({@code GET /api/v1/jobs/{id}/events}). Subscribers get events only while subscribed; the stream starts with a
 * snapshot of the runs so nothing before the subscription is needed.
 */
@Singleton
public class JobEvents {

    /** Event names, as the SSE {@code event:} field. */
    static final String RUN = "run";
    static final String OUTPUT = "output";
    static final String TASK = "task";
    static final String JOB = "job";

    /** One event: {@code type} names it, {@code data} becomes its JSON. */
    public record Event(JobId job, String type, Object data) {
    }

    /** An output chunk as text (UTF-8; a character split across chunks shows as replacement characters). */
    @Serdeable
    public record OutputEvent(RunId runId, String nodeId, String stream, long offset, String text) {
    }

    /** A structured event of a run (an Ansible task result). */
    @Serdeable
    public record TaskEvent(RunId runId, String nodeId, String kind, String task, String host, String message) {
    }

    /** The job's status changed. */
    @Serdeable
    public record JobChanged(JobId id, String status) {
    }

    private final ConcurrentMap<JobId, Set<FluxSink<Event>>> subscribers = new ConcurrentHashMap<>();

    void publish(Event event) {
        Set<FluxSink<Event>> sinks = subscribers.get(event.job());
        if (sinks != null) {
            sinks.forEach(sink -> sink.next(event));
        }
    }

    /** Events of {@code job} from now on, until the subscriber cancels. */
    Flux<Event> subscribe(JobId job) {
        return Flux.create(sink -> {
            subscribers.computeIfAbsent(job, j -> new CopyOnWriteArraySet<>()).add(sink);
            sink.onDispose(() -> subscribers.computeIfPresent(job, (j, set) -> {
                set.remove(sink);
                return set.isEmpty() ? null : set;
            }));
        }, FluxSink.OverflowStrategy.BUFFER);
    }
}
