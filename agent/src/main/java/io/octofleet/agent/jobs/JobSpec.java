package io.octofleet.agent.jobs;

/** What to run, specific to one {@link JobExecutor#kind() kind} of job. */
public interface JobSpec {

    /** The {@link JobExecutor#kind() kind} of executor that runs this spec. */
    String kind();
}
