package io.octofleet.agent.jobs;

import io.octofleet.proto.agent.v1.RunUpdate;

/**
 * Where a {@link JobRuntime} sends run updates: the live session, which puts them on its bulk lane. One sink per
 * session; the runtime sends everything not yet acknowledged again to each new one.
 */
public interface RunUpdateSink {

    /** Whether the sink takes more now; the runtime waits rather than queue a whole spool in memory. Never throws. */
    boolean hasRoom();

    /** Queues {@code update} for sending. Never throws; an update lost with its session is sent again later. */
    void send(RunUpdate update);
}
