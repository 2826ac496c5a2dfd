package io.octofleet.agent.jobs;

import java.util.List;
import java.util.Objects;

/**
 * A script body run by an interpreter, as {@code <interpreter> <script file> <arguments...>}.
 *
 * @param interpreter a program name looked up on the agent's PATH ({@code python3}) or an absolute path
 */
public record ScriptSpec(String body, String interpreter, List<String> arguments) implements JobSpec {

    public ScriptSpec {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(interpreter, "interpreter");
        if (interpreter.isBlank()) {
            throw new IllegalArgumentException("interpreter must not be blank");
        }
        arguments = List.copyOf(arguments);
    }

    @Override
    public String kind() {
        return ScriptJobExecutor.KIND;
    }
}
