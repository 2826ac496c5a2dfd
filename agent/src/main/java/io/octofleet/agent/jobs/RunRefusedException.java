package io.octofleet.agent.jobs;

/** A run that cannot start on this host; the message is the reason an operator reads. */
final class RunRefusedException extends Exception {
    RunRefusedException(String reason) {
        super(reason, null, false, false);
    }
}
