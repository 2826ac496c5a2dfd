package io.octofleet.server.rules;

import org.jooq.Condition;

import java.util.Objects;

/**
 * A targeting rule such as {@code os.family = "linux" and gpu.count >= 1 and tag = "lab"} (the language is
 * described in docs/targeting.md). Parsing checks syntax, fields and value types; {@link #condition()} turns the rule
 * into a jOOQ condition over the {@code nodes} table that reads the current typed inventory, so whatever uses it
 * sees the fleet as it is at query time.
 */
public final class Rule {
    private final String text;
    private final Expr expression;

    private Rule(String text, Expr expression) {
        this.text = text;
        this.expression = expression;
    }

    /**
     * @throws RuleException with the 0-based position of a syntax error, an unknown field, a value of the wrong
     *                       type, or a rule that is too long ({@value RuleParser#MAX_LENGTH} characters) or nests
     *                       too deep ({@value RuleParser#MAX_DEPTH} levels)
     */
    public static Rule parse(String text) {
        Objects.requireNonNull(text, "text");
        return new Rule(text, RuleParser.parse(text));
    }

    /** The rule as written. */
    public String text() {
        return text;
    }

    /** A condition on {@code nodes} (unaliased), true for the nodes the rule selects; values are bound, never inlined. */
    public Condition condition() {
        return RuleCompiler.condition(expression);
    }

    Expr expression() {
        return expression;
    }

    @Override
    public String toString() {
        return expression.toString();
    }
}
