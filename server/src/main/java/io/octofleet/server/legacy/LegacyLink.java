package io.octofleet.server.legacy;

import io.octofleet.server.jobs.AgentCommand;
import io.octofleet.server.jobs.AgentLink;
import io.octofleet.server.jobs.InventoryJob;
import io.octofleet.server.jobs.RunRecorder;
import io.octofleet.server.jobs.RunStatus;
import io.octofleet.server.jobs.RunUpdate;
import io.octofleet.server.jobs.ShellJob;
import io.octofleet.server.nodes.NodeId;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * How the job engine reaches legacy agents: it cannot, they poll. A legacy node counts as connected, so its runs are
 * sent (marked {@code sent}) as the job's batches and parallelism window allow, and the agent takes them with its
 * next {@code GET /api/v1/jobs/pending/{nodeId}}. A run of a kind a legacy agent cannot run (neither shell nor
 * inventory) fails at once, with the
 * reason, as if the agent had refused it. A cancel cannot reach a legacy agent: a run it has not taken is ended by
 * the engine as for any agent, one it runs goes on to its end.
 */
@Singleton
final class LegacyLink implements AgentLink {
    private static final Logger LOG = LoggerFactory.getLogger(LegacyLink.class);
    private final LegacyNodes nodes;
    private final RunRecorder recorder;

    LegacyLink(LegacyNodes nodes, RunRecorder recorder) {
        this.nodes = nodes;
        this.recorder = recorder;
    }

    @Override
    public boolean connected(NodeId node) {
        return nodes.isLegacy(node);
    }

    @Override
    public boolean send(NodeId node, AgentCommand command) {
        if (!nodes.isLegacy(node)) {
            return false;
        }
        if (command instanceof AgentCommand.Assign assign && !(assign.spec() instanceof ShellJob)
                && !(assign.spec() instanceof InventoryJob)) {
            String reason = "a legacy (Python-era) agent runs shell and inventory jobs only, not " + assign.spec().kind()
                    + " jobs; install the Octofleet agent on this node (docs/migration.md)";
            recorder.submit(node, new RunUpdate(assign.runId(), 1, Instant.now(),
                    new RunUpdate.Finished(RunStatus.FAILED, null, reason, null)), new RunRecorder.Receipt() {
                        @Override
                        public void stored(io.octofleet.server.jobs.RunId run, long throughSeq) {
                        }

                        @Override
                        public void failed(io.octofleet.server.jobs.RunId run, Exception cause) {
                            LOG.warn("Cannot fail run {} of legacy node {}; it ends when the job expires", run, node,
                                    cause);
                        }
                    });
        }
        return true;
    }
}
