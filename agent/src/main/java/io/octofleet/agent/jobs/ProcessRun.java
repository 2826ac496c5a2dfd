package io.octofleet.agent.jobs;

import io.octofleet.ansible.runner.Processes;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one process for a job: streams its stdout and stderr as they come, and on timeout, cancellation or
 * interruption kills everything the run started — TERM first so programs can clean up, KILL after a short grace.
 *
 * <p>"Everything the run started" is more than the descendants a walk from the process finds: a daemon that
 * double-forked has been re-parented to init and is nobody's descendant any more. So the process starts in a session
 * and process group of its own (through {@code setsid}, when the host has it), and it carries
 * {@value #MARKER_VARIABLE}{@code =<run id>} in its environment, which every descendant inherits; a kill takes the
 * descendants, the process group and every process carrying the marker. Only a process that both left the group
 * and cleared its environment gets away.
 */
final class ProcessRun {
    private static final int CHUNK_BYTES = 8192;
    private static final File NO_INPUT = new File("/dev/null");
    /** Names the run in the environment of all its processes, so they can be found after they escaped the tree. */
    static final String MARKER_VARIABLE = "OCTOFLEET_AGENT_RUN";

    /** How the process ended. */
    enum End {
        EXITED,
        TIMED_OUT,
        CANCELLED
    }

    /** @param exitCode the exit status; for a killed process the one the signal gave it */
    record Ended(End end, int exitCode) {
    }

    private final Optional<Path> setsid;
    private final Duration killGrace;
    private final Duration drainGrace;

    /**
     * @param programs where to find {@code setsid}; without it the run shares the agent's process group, and only
     *     the descendants and the marker find its processes
     * @param killGrace how long TERM-ed processes get before KILL
     * @param drainGrace how long to wait for the output pipes to close after the process exited; a background
     *     process it left behind may hold them open for ever
     */
    ProcessRun(ProgramLocator programs, Duration killGrace, Duration drainGrace) {
        this.setsid = programs.find("setsid");
        this.killGrace = killGrace;
        this.drainGrace = drainGrace;
    }

    /**
     * @throws IOException if the process could not be started
     * @throws InterruptedException if interrupted; the process tree is killed first
     */
    Ended run(RunId runId, List<String> command, Map<String, String> environment, Path workingDirectory,
            Duration timeout, CancellationToken cancel, RunStream out) throws IOException, InterruptedException {
        List<String> launched = new ArrayList<>();
        // A child of the JVM is never a process group leader, so setsid execs the command in place (same pid)
        // rather than forking and returning at once.
        setsid.ifPresent(program -> launched.add(program.toString()));
        launched.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(launched)
                .directory(workingDirectory.toFile())
                .redirectInput(NO_INPUT);
        builder.environment().putAll(environment);
        builder.environment().put(MARKER_VARIABLE, runId.value());
        if (cancel.isCancelled()) {
            return new Ended(End.CANCELLED, -1);
        }
        Process process = builder.start();
        RunProcesses processes = new RunProcesses(process.toHandle(), setsid.isPresent(), runId);
        String name = "run-" + process.pid();
        Thread stdout = drain(process.getInputStream(), OutputChunk.Source.STDOUT, out, name + "-stdout");
        Thread stderr = drain(process.getErrorStream(), OutputChunk.Source.STDERR, out, name + "-stderr");
        End end = await(process, processes, timeout, cancel, out);
        if (end != End.EXITED) {
            kill(process, processes);
        }
        long drainUntil = System.nanoTime() + drainGrace.toNanos();
        stdout.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainUntil - System.nanoTime())));
        stderr.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainUntil - System.nanoTime())));
        out.rethrowListenerFailure();
        return new Ended(end, process.isAlive() ? -1 : process.exitValue());
    }

    private End await(Process process, RunProcesses processes, Duration timeout, CancellationToken cancel,
            RunStream out) throws InterruptedException {
        CompletableFuture<Object> first = CompletableFuture.anyOf(
                process.onExit(), cancel.whenCancelled(), out.whenListenerFailed());
        try {
            first.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return process.isAlive() ? End.TIMED_OUT : End.EXITED;
        } catch (InterruptedException e) {
            kill(process, processes);
            throw e;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for process " + process.pid(), e);
        }
        // A process that exited just as it was cancelled keeps its real result.
        return process.isAlive() ? End.CANCELLED : End.EXITED;
    }

    private void kill(Process process, RunProcesses processes) {
        // Take the processes before signalling: once a parent dies its children are re-parented and no longer found
        // by the walk (the group and the marker still find them).
        Set<ProcessHandle> targets = processes.find();
        targets.forEach(ProcessHandle::destroy);
        if (!Processes.awaitExit(targets, killGrace)) {
            // Children spawned by a parent still alive during the grace (a trap handler, say) are caught here.
            targets.addAll(processes.find());
            targets.stream().filter(Processes::running).forEach(ProcessHandle::destroyForcibly);
            Processes.awaitExit(targets, killGrace);
        }
        if (process.isAlive()) {
            // Only a process stuck in the kernel survives KILL; its exit status is then unknown.
            process.destroyForcibly();
        }
    }

    /**
     * Kills, at once and without grace, whatever is left of a run the agent lost track of: it was restarted while
     * the run went on. Finds the processes by the run's marker only, since no process handle survived.
     *
     * @return how many processes were killed
     */
    static int killLeftovers(RunId runId) {
        Set<ProcessHandle> leftovers = new RunProcesses(null, false, runId).find();
        leftovers.forEach(ProcessHandle::destroyForcibly);
        return leftovers.size();
    }

    private static Thread drain(InputStream in, OutputChunk.Source source, RunStream out, String name) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[CHUNK_BYTES];
            try (in) {
                int n;
                // read() returns whatever the pipe holds, so output is passed on as it comes, not when a buffer fills.
                while ((n = in.read(buffer)) >= 0) {
                    if (n > 0) {
                        out.output(source, Arrays.copyOf(buffer, n));
                    }
                }
            } catch (IOException e) {
                // The pipe breaks when the process is killed; everything read has been passed on.
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
