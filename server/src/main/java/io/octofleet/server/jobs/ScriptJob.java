package io.octofleet.server.jobs;

import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/** A script body run as {@code <interpreter> <script file> <arguments...>} on the agent. */
@Serdeable
public record ScriptJob(String script, String interpreter, List<String> arguments) implements JobSpec {
    public static final String KIND = "script";

    public ScriptJob {
        arguments = List.copyOf(arguments);
    }

    @Override
    public String kind() {
        return KIND;
    }
}
