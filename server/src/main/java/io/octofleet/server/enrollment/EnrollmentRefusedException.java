package io.octofleet.server.enrollment;

/** An enrollment or renewal the server will not do, with a reason the agent can show its operator. */
public final class EnrollmentRefusedException extends RuntimeException {
    public enum Kind { UNAUTHENTICATED, INVALID_ARGUMENT }

    private final Kind kind;

    EnrollmentRefusedException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
