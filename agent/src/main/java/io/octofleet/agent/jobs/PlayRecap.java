package io.octofleet.agent.jobs;

/** Ansible's play recap, summed over the hosts of the run (with connection local, just this one). */
public record PlayRecap(int ok, int changed, int failed, int unreachable, int skipped) {
}
