package io.octofleet.agent.jobs;

import java.util.Objects;

/** A script body run by a shell. */
public record ShellSpec(String script, Shell shell) implements JobSpec {

    /** Which shell runs the script. */
    public enum Shell {
        /** {@code /bin/sh}: present on every Unix host. */
        SH,
        /** {@code bash}, looked up on the agent's PATH. */
        BASH,
        /** PowerShell ({@code pwsh}), looked up on the agent's PATH. */
        POWERSHELL
    }

    public ShellSpec {
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(shell, "shell");
    }

    /** A script for {@code /bin/sh}. */
    public static ShellSpec sh(String script) {
        return new ShellSpec(script, Shell.SH);
    }

    @Override
    public String kind() {
        return ShellJobExecutor.KIND;
    }
}
