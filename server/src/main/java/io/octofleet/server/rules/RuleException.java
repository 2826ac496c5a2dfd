package io.octofleet.server.rules;

/**
 * A rule that cannot be used: a syntax error, an unknown field, or a value of the wrong type for its field.
 * {@link #position()} is the 0-based character offset in the rule text where the problem is, so a caller can point at
 * it; the message reads {@code at 17: expected a value after '='}.
 */
public final class RuleException extends RuntimeException {
    private final int position;
    private final String reason;

    RuleException(int position, String reason) {
        super("at " + position + ": " + reason);
        this.position = position;
        this.reason = reason;
    }

    /** 0-based character offset into the rule text (the text's length when the rule ended too early). */
    public int position() {
        return position;
    }

    /** What is wrong, without the position. */
    public String reason() {
        return reason;
    }
}
