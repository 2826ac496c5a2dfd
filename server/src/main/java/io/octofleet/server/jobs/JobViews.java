package io.octofleet.server.jobs;

import io.micronaut.core.annotation.Nullable;
import io.octofleet.server.db.tables.records.JobRunsRecord;
import io.octofleet.server.nodes.NodeId;

/** Rows as the API shows them. */
final class JobViews {
    private JobViews() {
    }

    static Run run(JobRunsRecord r, @Nullable PlayRecap recap) {
        return new Run(new RunId(r.getId()), new NodeId(r.getNodeId()), r.getHostname(), r.getStatus(),
                r.getExitCode(), r.getReason(), r.getAttempt(), r.getBatch(), JobRepository.instant(r.getSentAt()),
                JobRepository.instant(r.getStartedAt()), JobRepository.instant(r.getFinishedAt()),
                r.getOutputBytes(), recap);
    }
}
