package io.octofleet.server.rules;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A parsed rule. {@code toString} gives a fully parenthesized prefix form, {@code (and (= os.family "linux") …)}, so
 * tests and logs show how a rule was understood.
 */
sealed interface Expr {
    record And(List<Expr> operands) implements Expr {
        public And {
            operands = List.copyOf(operands);
        }

        @Override
        public String toString() {
            return operands.stream().map(Expr::toString).collect(Collectors.joining(" ", "(and ", ")"));
        }
    }

    record Or(List<Expr> operands) implements Expr {
        public Or {
            operands = List.copyOf(operands);
        }

        @Override
        public String toString() {
            return operands.stream().map(Expr::toString).collect(Collectors.joining(" ", "(or ", ")"));
        }
    }

    record Not(Expr operand) implements Expr {
        @Override
        public String toString() {
            return "(not " + operand + ")";
        }
    }

    /**
     * {@code field op value}, or {@code field in [values]}. Values are {@code String} for text and status fields and
     * {@code Long} for numbers and bytes; the parser has checked that they fit the field.
     */
    record Comparison(RuleField field, Operator operator, List<Object> values) implements Expr {
        public Comparison {
            values = List.copyOf(values);
        }

        @Override
        public String toString() {
            String rendered = values.stream()
                    .map(v -> v instanceof String s ? '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"' : v.toString())
                    .collect(Collectors.joining(" "));
            return "(" + operator.symbol() + " " + field.ruleName() + " "
                    + (operator == Operator.IN ? "[" + rendered + "]" : rendered) + ")";
        }
    }
}
