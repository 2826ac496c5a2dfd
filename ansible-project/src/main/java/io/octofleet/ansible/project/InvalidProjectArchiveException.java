package io.octofleet.ansible.project;

/** The archive is not one Octofleet unpacks; the message names the entry and the rule it breaks. */
public final class InvalidProjectArchiveException extends Exception {
    public InvalidProjectArchiveException(String message) {
        super(message);
    }
}
