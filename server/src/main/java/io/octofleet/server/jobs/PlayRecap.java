package io.octofleet.server.jobs;

import io.micronaut.serde.annotation.Serdeable;

/** Ansible's play recap of a run, summed over its hosts. */
@Serdeable
public record PlayRecap(int ok, int changed, int failed, int unreachable, int skipped, int rescued, int ignored) {
}
