package io.octofleet.server.rules;

/**
 * One lexical unit of a rule. {@code text} is the source as written (for error messages); {@code value} is what a
 * string literal means after its escapes are resolved, and the text itself for every other kind.
 */
record Token(Kind kind, String text, String value, int position) {
    enum Kind {
        FIELD, STRING, NUMBER, EQ, NE, LT, LE, GT, GE, GLOB, IN, AND, OR, NOT, LPAREN, RPAREN, LBRACKET, RBRACKET,
        COMMA, END
    }

    /** How an error message names this token. */
    String describe() {
        return kind == Kind.END ? "the end of the rule" : "'" + text + "'";
    }
}
