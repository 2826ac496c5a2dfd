package io.octofleet.server.ldap;

import java.util.List;
import java.util.Optional;

/**
 * The result of {@link LdapDirectory#diagnose}: one entry per {@link Stage}, in order. Steps after a failed one are
 * {@link Outcome#SKIPPED}.
 */
public record Diagnosis(List<Step> steps) {
    public enum Stage { CONNECT, BIND, FIND_USER, GROUPS }

    public enum Outcome { OK, FAILED, SKIPPED }

    /** @param message what happened, for a human: the server that answered, or which server failed and why */
    public record Step(Stage stage, Outcome outcome, String message) {
    }

    public Diagnosis {
        steps = List.copyOf(steps);
    }

    public boolean ok() {
        return steps.stream().allMatch(step -> step.outcome() == Outcome.OK);
    }

    /** The first failed step, if any. */
    public Optional<Step> failure() {
        return steps.stream().filter(step -> step.outcome() == Outcome.FAILED).findFirst();
    }

    public Step step(Stage stage) {
        return steps.stream().filter(step -> step.stage() == stage).findFirst().orElseThrow();
    }
}
