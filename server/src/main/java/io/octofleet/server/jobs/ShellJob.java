package io.octofleet.server.jobs;

import io.micronaut.serde.annotation.Serdeable;

/**
 * A script run by a shell on the agent.
 *
 * @param shell {@code sh}, {@code bash} or {@code powershell}
 */
@Serdeable
public record ShellJob(String script, String shell) implements JobSpec {
    public static final String KIND = "shell";

    @Override
    public String kind() {
        return KIND;
    }
}
