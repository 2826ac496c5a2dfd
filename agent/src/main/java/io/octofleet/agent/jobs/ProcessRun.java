package io.octofleet.agent.jobs;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one process for a job: streams its stdout and stderr as they come, and on timeout, cancellation or
 * interruption kills its whole process tree — TERM first so programs can clean up, KILL after a short grace.
 */
final class ProcessRun {
    private static final int CHUNK_BYTES = 8192;
    private static final File NO_INPUT = new File("/dev/null");
    private static final Path PROC_SELF = Path.of("/proc/self");

    /** How the process ended. */
    enum End {
        EXITED,
        TIMED_OUT,
        CANCELLED
    }

    /** @param exitCode the exit status; for a killed process the one the signal gave it */
    record Ended(End end, int exitCode) {
    }

    private final Duration killGrace;
    private final Duration drainGrace;

    /**
     * @param killGrace how long TERM-ed processes get before KILL
     * @param drainGrace how long to wait for the output pipes to close after the process exited; a background
     *     process it left behind may hold them open for ever
     */
    ProcessRun(Duration killGrace, Duration drainGrace) {
        this.killGrace = killGrace;
        this.drainGrace = drainGrace;
    }

    /**
     * @throws IOException if the process could not be started
     * @throws InterruptedException if interrupted; the process tree is killed first
     */
    Ended run(List<String> command, Map<String, String> environment, Path workingDirectory, Duration timeout,
            CancellationToken cancel, RunStream out) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workingDirectory.toFile())
                .redirectInput(NO_INPUT);
        builder.environment().putAll(environment);
        if (cancel.isCancelled()) {
            return new Ended(End.CANCELLED, -1);
        }
        Process process = builder.start();
        String name = "run-" + process.pid();
        Thread stdout = drain(process.getInputStream(), OutputChunk.Source.STDOUT, out, name + "-stdout");
        Thread stderr = drain(process.getErrorStream(), OutputChunk.Source.STDERR, out, name + "-stderr");
        End end = await(process, timeout, cancel, out);
        if (end != End.EXITED) {
            killTree(process);
        }
        long drainUntil = System.nanoTime() + drainGrace.toNanos();
        stdout.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainUntil - System.nanoTime())));
        stderr.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainUntil - System.nanoTime())));
        out.rethrowListenerFailure();
        return new Ended(end, process.isAlive() ? -1 : process.exitValue());
    }

    private End await(Process process, Duration timeout, CancellationToken cancel, RunStream out)
            throws InterruptedException {
        CompletableFuture<Object> first = CompletableFuture.anyOf(
                process.onExit(), cancel.whenCancelled(), out.whenListenerFailed());
        try {
            first.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return process.isAlive() ? End.TIMED_OUT : End.EXITED;
        } catch (InterruptedException e) {
            killTree(process);
            throw e;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for process " + process.pid(), e);
        }
        // A process that exited just as it was cancelled keeps its real result.
        return process.isAlive() ? End.CANCELLED : End.EXITED;
    }

    private void killTree(Process process) {
        // Take the tree before signalling: once a parent dies its children are re-parented and no longer found.
        Set<ProcessHandle> tree = tree(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        if (!awaitExit(tree, killGrace)) {
            // Children spawned by a parent still alive during the grace (a trap handler, say) are caught here.
            tree.addAll(tree(process.toHandle()));
            tree.stream().filter(ProcessRun::running).forEach(ProcessHandle::destroyForcibly);
            awaitExit(tree, killGrace);
        }
        if (process.isAlive()) {
            // Only a process stuck in the kernel survives KILL; its exit status is then unknown.
            process.destroyForcibly();
        }
    }

    private static Set<ProcessHandle> tree(ProcessHandle root) {
        Set<ProcessHandle> tree = new LinkedHashSet<>();
        tree.add(root);
        root.descendants().forEach(tree::add);
        return tree;
    }

    private static boolean awaitExit(Set<ProcessHandle> processes, Duration grace) {
        // Polled rather than onExit(): a killed process that was re-parented stays a zombie until init reaps it,
        // and ProcessHandle counts zombies as alive.
        long deadline = System.nanoTime() + grace.toNanos();
        while (processes.stream().anyMatch(ProcessRun::running)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                // Finish killing first; the caller sees the interrupt afterwards.
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Alive and not a zombie; a zombie is dead and holds nothing but its process table entry. */
    static boolean running(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            // The state follows the command name, which is in parentheses and may itself contain ") ".
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (NoSuchFileException e) {
            return !Files.isDirectory(PROC_SELF) && process.isAlive();
        } catch (IOException | IndexOutOfBoundsException e) {
            return process.isAlive();
        }
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
