package io.octofleet.server.enrollment;

/** Why an enrollment token was refused; the message goes back to the agent and into the attempt log. */
public enum TokenRefusal {
    UNKNOWN("enrollment token is unknown"),
    EXPIRED("enrollment token has expired"),
    USED_UP("enrollment token has already been used"),
    REVOKED("enrollment token was revoked");

    private final String message;

    TokenRefusal(String message) {
        this.message = message;
    }

    public String message() {
        return message;
    }
}
