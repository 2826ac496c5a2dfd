package io.octofleet.server.jobs;

import io.octofleet.server.db.tables.records.JobRunsRecord;
import io.octofleet.server.db.tables.records.JobsRecord;

import java.util.List;

/**
 * Runs direct-mode Ansible jobs on the server itself (ansible-runner over SSH to the targets), reporting each
 * target's run through {@link RunRecorder} exactly as an agent would.
 */
public interface DirectRunner {

    /** Starts the given runs (already marked sent) of {@code job}; returns at once. */
    void start(JobsRecord job, AnsibleJob spec, List<JobRunsRecord> runs);

    /** Stops the run's ansible-runner process if this server runs it; false when it does not. */
    boolean cancel(RunId run);
}
