package io.octofleet.server.jobs;

/**
 * What a job runs, specific to its kind. Stored as JSON in {@code jobs.spec} (secret values never: an Ansible vault
 * password is named by its parameter and looked up per node when the run is sent).
 */
public sealed interface JobSpec permits ShellJob, ScriptJob, AnsibleJob, InventoryJob {

    /** The kind as the API names it. */
    String kind();
}
