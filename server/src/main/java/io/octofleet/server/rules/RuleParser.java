package io.octofleet.server.rules;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Recursive descent over the grammar in docs/targeting.md, one method per rule of the grammar:
 * <pre>
 * rule       = or ;
 * or         = and { "or" and } ;
 * and        = unary { "and" unary } ;
 * unary      = "not" unary | "(" or ")" | comparison ;
 * comparison = field ( op value | "in" "[" value { "," value } "]" ) ;
 * </pre>
 * Fields and literals are type-checked here, where the positions are known, so the compiler never sees a bad rule.
 * Length and nesting are bounded, so no input can make the parser (or the SQL it becomes) arbitrarily deep.
 */
final class RuleParser {
    static final int MAX_LENGTH = 4096;
    static final int MAX_DEPTH = 32;

    private static final Map<Token.Kind, Operator> OPERATORS = Map.of(
            Token.Kind.EQ, Operator.EQ, Token.Kind.NE, Operator.NE, Token.Kind.LT, Operator.LT,
            Token.Kind.LE, Operator.LE, Token.Kind.GT, Operator.GT, Token.Kind.GE, Operator.GE,
            Token.Kind.GLOB, Operator.GLOB, Token.Kind.IN, Operator.IN);

    /** Multipliers of the units a bytes literal may carry; matched case-insensitively. */
    private static final Map<String, Long> UNITS = Map.of(
            "b", 1L,
            "kb", 1000L, "mb", 1000L * 1000, "gb", 1000L * 1000 * 1000, "tb", 1000L * 1000 * 1000 * 1000,
            "kib", 1L << 10, "mib", 1L << 20, "gib", 1L << 30, "tib", 1L << 40);

    private final RuleLexer lexer;
    private Token current;
    private Token previous;
    private int depth;

    private RuleParser(RuleLexer lexer) {
        this.lexer = lexer;
        this.current = lexer.next();
    }

    /** @throws RuleException at the first problem found */
    static Expr parse(String text) {
        if (text.length() > MAX_LENGTH) {
            throw new RuleException(MAX_LENGTH, "the rule is longer than " + MAX_LENGTH + " characters");
        }
        RuleParser parser = new RuleParser(new RuleLexer(text));
        if (parser.peek().kind() == Token.Kind.END) {
            throw new RuleException(0, "the rule is empty");
        }
        Expr rule = parser.or();
        Token rest = parser.peek();
        if (rest.kind() != Token.Kind.END) {
            throw new RuleException(rest.position(), "expected 'and', 'or' or the end of the rule, got "
                    + rest.describe());
        }
        return rule;
    }

    private Expr or() {
        List<Expr> operands = new ArrayList<>(List.of(and()));
        while (accept(Token.Kind.OR)) {
            operands.add(and());
        }
        return operands.size() == 1 ? operands.get(0) : new Expr.Or(operands);
    }

    private Expr and() {
        List<Expr> operands = new ArrayList<>(List.of(unary()));
        while (accept(Token.Kind.AND)) {
            operands.add(unary());
        }
        return operands.size() == 1 ? operands.get(0) : new Expr.And(operands);
    }

    private Expr unary() {
        Token token = peek();
        if (token.kind() == Token.Kind.NOT || token.kind() == Token.Kind.LPAREN) {
            if (++depth > MAX_DEPTH) {
                throw new RuleException(token.position(), "the rule nests deeper than " + MAX_DEPTH + " levels");
            }
            advance();
            Expr inner;
            if (token.kind() == Token.Kind.NOT) {
                inner = new Expr.Not(unary());
            } else {
                inner = or();
                Token close = peek();
                if (close.kind() != Token.Kind.RPAREN) {
                    throw new RuleException(close.position(), "expected ')' to close the '(' at "
                            + token.position() + ", got " + close.describe());
                }
                advance();
            }
            depth--;
            return inner;
        }
        return comparison();
    }

    private Expr comparison() {
        Token name = peek();
        if (name.kind() != Token.Kind.FIELD) {
            throw new RuleException(name.position(), "expected a field name, 'not' or '(', got " + name.describe());
        }
        RuleField field = RuleField.byName(name.text()).orElseThrow(() -> new RuleException(name.position(),
                "unknown field '" + name.text() + "'; fields are " + RuleField.names()));
        advance();
        Token op = peek();
        Operator operator = OPERATORS.get(op.kind());
        if (operator == null) {
            throw new RuleException(op.position(), "expected an operator (=, !=, <, <=, >, >=, ~ or in) after '"
                    + field.ruleName() + "', got " + op.describe());
        }
        if (!field.type().allows(operator)) {
            throw new RuleException(op.position(), "'" + operator.symbol() + "' does not apply to "
                    + field.ruleName() + " (" + field.type().description() + "); use "
                    + field.type().operatorList());
        }
        advance();
        if (operator != Operator.IN) {
            return new Expr.Comparison(field, operator, List.of(value(field, op)));
        }
        Token open = peek();
        if (open.kind() != Token.Kind.LBRACKET) {
            throw new RuleException(open.position(), "expected '[' after 'in', got " + open.describe());
        }
        advance();
        List<Object> values = new ArrayList<>(List.of(value(field, open)));
        while (accept(Token.Kind.COMMA)) {
            values.add(value(field, previous));
        }
        Token close = peek();
        if (close.kind() != Token.Kind.RBRACKET) {
            throw new RuleException(close.position(), "expected ',' or ']' in the list, got " + close.describe());
        }
        advance();
        return new Expr.Comparison(field, operator, values);
    }

    /** The literal after {@code previous}, checked against the field's type. */
    private Object value(RuleField field, Token previous) {
        Token token = peek();
        if (token.kind() != Token.Kind.STRING && token.kind() != Token.Kind.NUMBER) {
            String hint = token.kind() == Token.Kind.FIELD ? " (text goes in double quotes)" : "";
            throw new RuleException(token.position(), "expected a value after '" + previous.text() + "', got "
                    + token.describe() + hint);
        }
        advance();
        return switch (field.type()) {
            case TEXT -> {
                if (token.kind() != Token.Kind.STRING) {
                    throw new RuleException(token.position(), field.ruleName() + " is text: write the value in "
                            + "double quotes, got " + token.describe());
                }
                yield token.value();
            }
            case STATUS -> {
                if (token.kind() != Token.Kind.STRING
                        || !(token.value().equals("online") || token.value().equals("offline"))) {
                    throw new RuleException(token.position(), "status is \"online\" or \"offline\", got "
                            + token.text());
                }
                yield token.value();
            }
            case NUMBER -> number(field, token, false);
            case BYTES -> number(field, token, true);
        };
    }

    private static long number(RuleField field, Token token, boolean unitsAllowed) {
        if (token.kind() != Token.Kind.NUMBER) {
            throw new RuleException(token.position(), field.ruleName() + " is " + field.type().description()
                    + ", got the string " + token.text());
        }
        String text = token.text();
        int unitStart = 0;
        while (unitStart < text.length() && (Character.isDigit(text.charAt(unitStart)) || text.charAt(unitStart) == '.')) {
            unitStart++;
        }
        String digits = text.substring(0, unitStart);
        String unit = text.substring(unitStart).toLowerCase(Locale.ROOT);
        Long multiplier = unit.isEmpty() ? Long.valueOf(1) : UNITS.get(unit);
        if (!unit.isEmpty() && !unitsAllowed) {
            throw new RuleException(token.position(), field.ruleName() + " is a plain number; only memory.total "
                    + "takes a unit, got " + text);
        }
        if (multiplier == null) {
            throw new RuleException(token.position() + unitStart, "unknown unit '" + text.substring(unitStart)
                    + "'; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB");
        }
        try {
            BigDecimal value = new BigDecimal(digits).multiply(BigDecimal.valueOf(multiplier));
            return value.longValueExact();
        } catch (NumberFormatException e) {
            throw new RuleException(token.position(), "'" + digits + "' is not a number");
        } catch (ArithmeticException e) {
            throw new RuleException(token.position(), text + " is not a whole number "
                    + (unitsAllowed ? "of bytes " : "") + "or is too large");
        }
    }

    private Token peek() {
        return current;
    }

    private void advance() {
        previous = current;
        current = lexer.next();
    }

    private boolean accept(Token.Kind kind) {
        if (current.kind() == kind) {
            advance();
            return true;
        }
        return false;
    }
}
