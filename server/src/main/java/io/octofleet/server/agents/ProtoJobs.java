package io.octofleet.server.agents;

import com.google.protobuf.ByteString;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.octofleet.proto.agent.v1.AnsibleJob;
import io.octofleet.proto.agent.v1.CancelRun;
import io.octofleet.proto.agent.v1.RunAssignment;
import io.octofleet.proto.agent.v1.RunFinished;
import io.octofleet.proto.agent.v1.RunOutput;
import io.octofleet.proto.agent.v1.RunTaskEvent;
import io.octofleet.proto.agent.v1.ScriptJob;
import io.octofleet.proto.agent.v1.ServerMessage;
import io.octofleet.proto.agent.v1.ShellJob;
import io.octofleet.server.jobs.AgentCommand;
import io.octofleet.server.jobs.PlayRecap;
import io.octofleet.server.jobs.RunId;
import io.octofleet.server.jobs.RunStatus;
import io.octofleet.server.jobs.RunUpdate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;

/** Job messages between the session protocol and the job engine's types: proto stops here. */
final class ProtoJobs {
    /** Largest output chunk accepted (the protocol says 64 KiB; a little slack for framing differences). */
    static final int MAX_OUTPUT_CHUNK = 64 * 1024;
    static final int MAX_TEXT = 64 * 1024;

    private ProtoJobs() {
    }

    static ServerMessage.Builder toProto(AgentCommand command, JsonMapper json) {
        if (command instanceof AgentCommand.Cancel c) {
            return ServerMessage.newBuilder().setCancelRun(CancelRun.newBuilder().setRunId(c.runId().toString()));
        }
        AgentCommand.Assign a = (AgentCommand.Assign) command;
        RunAssignment.Builder b = RunAssignment.newBuilder()
                .setRunId(a.runId().toString())
                .setJobId(a.jobId().toString())
                .setAttempt(a.attempt())
                .putAllEnvironment(a.environment())
                .setRunAs(a.runAs() == null ? "" : a.runAs())
                .setTimeoutSeconds((int) Math.min(Integer.MAX_VALUE, a.timeout().toSeconds()))
                .setExpiresUnixMs(a.expiresAt().toEpochMilli());
        if (a.spec() instanceof io.octofleet.server.jobs.ShellJob s) {
            b.setShell(ShellJob.newBuilder().setScript(s.script()).setShell(s.shell()));
        } else if (a.spec() instanceof io.octofleet.server.jobs.ScriptJob s) {
            b.setScript(ScriptJob.newBuilder().setBody(s.script()).setInterpreter(s.interpreter())
                    .addAllArguments(s.arguments()));
        } else if (a.spec() instanceof io.octofleet.server.jobs.AnsibleJob s) {
            AnsibleJob.Builder ansible = AnsibleJob.newBuilder();
            if (s.playbook() != null) {
                ansible.setInlineYaml(s.playbook());
            } else {
                ansible.setProjectArchive(ByteString.copyFrom(Base64.getDecoder().decode(s.projectArchive())))
                        .setPlaybookPath(s.playbookPath());
            }
            try {
                ansible.setExtraVarsJson(json.writeValueAsString(s.extraVars()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot serialize extra vars", e);
            }
            if (a.vaultPassword() != null) {
                ansible.setVaultPassword(a.vaultPassword());
            }
            b.setAnsible(ansible);
        } else if (a.spec() instanceof io.octofleet.server.jobs.InventoryJob) {
            b.setInventory(io.octofleet.proto.agent.v1.InventoryRefresh.getDefaultInstance());
        }
        return ServerMessage.newBuilder().setRunAssignment(b);
    }

    /**
     * The engine's view of an agent's update.
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    static RunUpdate fromProto(io.octofleet.proto.agent.v1.RunUpdate u) {
        RunId run = RunId.fromAgent(u.getRunId())
                .orElseThrow(() -> new IllegalArgumentException("run_id is not a run of this server: " + u.getRunId()));
        Instant at = u.getAtUnixMs() > 0 ? Instant.ofEpochMilli(u.getAtUnixMs()) : Instant.now();
        RunUpdate.Kind kind = switch (u.getKindCase()) {
            case STARTED -> new RunUpdate.Started();
            case OUTPUT -> output(u.getOutput());
            case TASK_EVENT -> task(u.getTaskEvent());
            case FINISHED -> finished(u.getFinished());
            default -> throw new IllegalArgumentException("run update without a kind");
        };
        return new RunUpdate(run, u.getRunSeq(), at, kind);
    }

    private static RunUpdate.Output output(RunOutput o) {
        if (o.getData().size() > MAX_OUTPUT_CHUNK) {
            throw new IllegalArgumentException("output chunk of " + o.getData().size() + " bytes, more than "
                    + MAX_OUTPUT_CHUNK);
        }
        String stream = switch (o.getStream()) {
            case STDERR -> "stderr";
            default -> "stdout";
        };
        return new RunUpdate.Output(stream, o.getData().toByteArray(), o.getDroppedBytesBefore());
    }

    private static RunUpdate.TaskEvent task(RunTaskEvent e) {
        if (e.getKind() == RunTaskEvent.Kind.KIND_UNSPECIFIED || e.getKind() == RunTaskEvent.Kind.UNRECOGNIZED) {
            throw new IllegalArgumentException("task event without a kind");
        }
        return new RunUpdate.TaskEvent(e.getKind().name().toLowerCase(Locale.ROOT), clip(e.getTask()),
                blankToNull(clip(e.getHost())), blankToNull(clip(e.getMessage())));
    }

    private static RunUpdate.Finished finished(RunFinished f) {
        RunStatus outcome = switch (f.getOutcome()) {
            case SUCCEEDED -> RunStatus.SUCCEEDED;
            case FAILED -> RunStatus.FAILED;
            case TIMED_OUT -> RunStatus.TIMED_OUT;
            case CANCELLED -> RunStatus.CANCELLED;
            default -> throw new IllegalArgumentException("finished without an outcome");
        };
        PlayRecap recap = f.hasRecap() ? new PlayRecap(f.getRecap().getOk(), f.getRecap().getChanged(),
                f.getRecap().getFailed(), f.getRecap().getUnreachable(), f.getRecap().getSkipped(),
                f.getRecap().getRescued(), f.getRecap().getIgnored()) : null;
        return new RunUpdate.Finished(outcome, f.hasExitCode() ? f.getExitCode() : null,
                blankToNull(clip(f.getReason())), recap);
    }

    private static String clip(String text) {
        return text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
    }

    private static @Nullable String blankToNull(String text) {
        return text.isBlank() ? null : text;
    }
}
