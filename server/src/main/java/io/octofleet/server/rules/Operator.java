package io.octofleet.server.rules;

/** Comparison operators; {@code GLOB} is {@code ~} (case-insensitive, {@code *} and {@code ?}). */
enum Operator {
    EQ("="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="), GLOB("~"), IN("in");

    private final String symbol;

    Operator(String symbol) {
        this.symbol = symbol;
    }

    String symbol() {
        return symbol;
    }
}
