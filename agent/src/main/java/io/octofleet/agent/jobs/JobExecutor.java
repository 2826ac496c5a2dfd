package io.octofleet.agent.jobs;

/**
 * Runs one kind of job on this host. The session picks the executor whose {@link #kind()} matches the job and calls
 * {@link #execute} on a thread of its own; DSC, PXE and provisioning executors plug in beside shell, script and
 * ansible by implementing this interface.
 */
public interface JobExecutor {

    /**
     * The job kind this executor runs, as the API names it ({@code "shell"}, {@code "script"}, {@code "ansible"}).
     * Never throws.
     */
    String kind();

    /**
     * Runs {@code request} to its end, blocking the calling thread, and streams what it produces to
     * {@code listener} while it runs. Everything that can go wrong on the host — a missing program, an unknown user,
     * a process that exits non-zero, runs past its timeout or is cancelled through {@code cancel} — is reported as a
     * {@link RunResult} with a reason, never as an exception. When this method returns or throws, the run's process
     * tree is gone and its private run directory removed.
     *
     * @throws IllegalArgumentException if {@code request.spec()} is not a spec this executor runs (a dispatch bug)
     * @throws InterruptedException if the calling thread is interrupted; the process tree is killed first
     * @throws RuntimeException whatever {@code listener} throws, rethrown after the process tree is killed: a run
     *     whose output can no longer be delivered is not left running unobserved
     */
    RunResult execute(RunRequest request, RunListener listener, CancellationToken cancel) throws InterruptedException;
}
