package io.octofleet.agent.jobs;

/**
 * Receives what a run produces while it runs. Calls for one run never overlap and arrive in the order of their
 * sequence numbers, which start at 1 and count output chunks and events together, so a receiver can acknowledge
 * and de-duplicate by one number. Calls may come from threads other than the one running
 * {@link JobExecutor#execute}; keep them short, because the process's output waits while they run.
 */
public interface RunListener {

    /** Bytes the process wrote, in the order written on that stream. */
    void output(OutputChunk chunk);

    /** A structured event, such as an Ansible task starting or finishing on a host. */
    void event(RunEvent event);
}
