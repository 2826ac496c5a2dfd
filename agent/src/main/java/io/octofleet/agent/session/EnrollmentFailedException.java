package io.octofleet.agent.session;

/** Enrollment that retrying will not fix: the server refused the token, or it is not the server the pin names. */
public final class EnrollmentFailedException extends Exception {
    EnrollmentFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
