package io.octofleet.server.rules;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The language without a database: how rules are understood, and how bad ones are refused. */
class RuleParserTest {
    private static String parsed(String rule) {
        return Rule.parse(rule).toString();
    }

    private static RuleException refused(String rule) {
        RuleException e = catchThrowableOfType(() -> Rule.parse(rule), RuleException.class);
        assertThat(e).as("rule %s should be refused", rule).isNotNull();
        return e;
    }

    @Test
    void theIssuesExampleParsesIntoOneConjunction() {
        assertThat(parsed("os.family = \"linux\" and gpu.count >= 1 and hostname ~ \"gpu-*\" and tag = \"lab\""))
                .isEqualTo("(and (= os.family \"linux\") (>= gpu.count 1) (~ hostname \"gpu-*\") (= tag \"lab\"))");
    }

    @Test
    void notBindsTighterThanAndWhichBindsTighterThanOr() {
        assertThat(parsed("tag = \"a\" or tag = \"b\" and not tag = \"c\""))
                .isEqualTo("(or (= tag \"a\") (and (= tag \"b\") (not (= tag \"c\"))))");
        assertThat(parsed("not tag = \"a\" and tag = \"b\"")).isEqualTo("(and (not (= tag \"a\")) (= tag \"b\"))");
    }

    @Test
    void parenthesesOverridePrecedence() {
        assertThat(parsed("(tag = \"a\" or tag = \"b\") and tag = \"c\""))
                .isEqualTo("(and (or (= tag \"a\") (= tag \"b\")) (= tag \"c\"))");
        assertThat(parsed("not (tag = \"a\" or tag = \"b\")")).isEqualTo("(not (or (= tag \"a\") (= tag \"b\")))");
        assertThat(parsed("((((status = \"online\"))))")).isEqualTo("(= status \"online\")");
    }

    @Test
    void keywordsAreCaseInsensitiveAndWhitespaceIsFree() {
        assertThat(parsed("tag=\"a\"AND NOT tag!=\"b\"Or cpu.cores<=4"))
                .isEqualTo("(or (and (= tag \"a\") (not (!= tag \"b\"))) (<= cpu.cores 4))");
    }

    @Test
    void everyOperatorIsRecognised() {
        assertThat(parsed("cpu.cores = 1 or cpu.cores != 2 or cpu.cores < 3 or cpu.cores <= 4 or cpu.cores > 5 "
                + "or cpu.cores >= 6 or hostname ~ \"x\" or cpu.cores in [7, 8]"))
                .isEqualTo("(or (= cpu.cores 1) (!= cpu.cores 2) (< cpu.cores 3) (<= cpu.cores 4) (> cpu.cores 5) "
                        + "(>= cpu.cores 6) (~ hostname \"x\") (in cpu.cores [7 8]))");
    }

    @Test
    void inListsTakeOneOrMoreValuesOfTheFieldsType() {
        assertThat(parsed("gpu.vendor in [\"nvidia\"]")).isEqualTo("(in gpu.vendor [\"nvidia\"])");
        assertThat(parsed("status in [\"online\", \"offline\"]")).isEqualTo("(in status [\"online\" \"offline\"])");
        assertThat(parsed("memory.total in [16GiB, 32GiB]")).isEqualTo("(in memory.total [17179869184 34359738368])");
    }

    @Test
    void stringsResolveOnlyQuoteAndBackslashEscapes() {
        Expr.Comparison c = (Expr.Comparison) Rule.parse("hostname = \"a\\\"b\\\\c\"").expression();

        assertThat(c.values()).containsExactly("a\"b\\c");
        assertThat(Rule.parse("hostname = \"héllo wörld ✓\"").toString()).isEqualTo("(= hostname \"héllo wörld ✓\")");
        assertThat(Rule.parse("hostname = \"\"").toString()).isEqualTo("(= hostname \"\")");
    }

    @Test
    void bytesTakeDecimalAndBinaryUnits() {
        assertThat(parsed("memory.total >= 16GiB")).isEqualTo("(>= memory.total 17179869184)");
        assertThat(parsed("memory.total >= 16gib")).isEqualTo("(>= memory.total 17179869184)");
        assertThat(parsed("memory.total < 1.5TB")).isEqualTo("(< memory.total 1500000000000)");
        assertThat(parsed("memory.total = 512")).isEqualTo("(= memory.total 512)");
        assertThat(parsed("memory.total > 2KiB")).isEqualTo("(> memory.total 2048)");
    }

    @Test
    void globsBecomeLikePatternsWithTheirOwnWildcardsEscaped() {
        assertThat(RuleCompiler.like("gpu-*")).isEqualTo("gpu-%");
        assertThat(RuleCompiler.like("node-??")).isEqualTo("node-__");
        assertThat(RuleCompiler.like("100%_done\\")).isEqualTo("100\\%\\_done\\\\");
        assertThat(RuleCompiler.like("")).isEqualTo("");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "``                                     | 0  | the rule is empty",
            "`   `                                  | 0  | the rule is empty",
            "`os.family =`                          | 11 | expected a value after '=', got the end of the rule",
            "`os.family = \"linux\" and gpu.count >=` | 36 | expected a value after '>=', got the end of the rule",
            "`os.family = and`                      | 12 | expected a value after '=', got 'and'",
            "`os.family \"linux\"`                  | 10 | expected an operator",
            "`os.family = linux`                    | 12 | expected a value after '=', got 'linux' (text goes in double quotes)",
            "`color = \"red\"`                      | 0  | unknown field 'color'; fields are hostname, status, tag",
            "`OS.family = \"linux\"`                | 0  | unknown field 'OS.family'",
            "`tag = \"a\" and (os.bogus = \"x\")`   | 15 | unknown field 'os.bogus'",
            "`cpu.cores ~ \"x\"`                    | 10 | '~' does not apply to cpu.cores (a number); use =, !=, <, <=, >, >=, in",
            "`hostname > \"a\"`                     | 9  | '>' does not apply to hostname (text); use =, !=, ~, in",
            "`status ~ \"on*\"`                     | 7  | '~' does not apply to status",
            "`cpu.cores = \"8\"`                    | 12 | cpu.cores is a number, got the string \"8\"",
            "`hostname = 42`                        | 11 | hostname is text: write the value in double quotes, got '42'",
            "`status = \"sleeping\"`                | 9  | status is \"online\" or \"offline\", got \"sleeping\"",
            "`cpu.cores = 8GiB`                     | 12 | cpu.cores is a plain number; only memory.total takes a unit",
            "`memory.total = 8GB2`                  | 16 | unknown unit 'GB2'",
            "`memory.total = 8XB`                   | 16 | unknown unit 'XB'",
            "`memory.total = 1.5`                   | 15 | 1.5 is not a whole number of bytes",
            "`cpu.cores = 1.2.3`                    | 12 | '1.2.3' is not a number",
            "`cpu.cores = 99999999999999999999`     | 12 | 99999999999999999999 is not a whole number or is too large",
            "`hostname = \"abc`                     | 11 | unterminated string",
            "`hostname = \"abc\\`                   | 11 | unterminated string",
            "`hostname = \"a\\nb\"`                 | 13 | unknown escape '\\n' in a string",
            "`hostname = 'x'`                       | 11 | unexpected character '''",
            "`hostname == \"x\"`                    | 10 | expected a value after '=', got '='",
            "`hostname ! \"x\"`                     | 9  | expected '=' after '!'",
            "`tag = \"a\" tag = \"b\"`              | 10 | expected 'and', 'or' or the end of the rule, got 'tag'",
            "`tag = \"a\" and`                      | 13 | expected a field name, 'not' or '(', got the end of the rule",
            "`(tag = \"a\"`                         | 10 | expected ')' to close the '(' at 0, got the end of the rule",
            "`tag = \"a\")`                         | 9  | expected 'and', 'or' or the end of the rule, got ')'",
            "`()`                                   | 1  | expected a field name, 'not' or '(', got ')'",
            "`tag in \"a\"`                         | 7  | expected '[' after 'in', got '\"a\"'",
            "`tag in []`                            | 8  | expected a value after '[', got ']'",
            "`tag in [\"a\",]`                      | 12 | expected a value after ',', got ']'",
            "`tag in [\"a\" \"b\"]`                 | 12 | expected ',' or ']' in the list, got '\"b\"'",
            "`tag = \"a\" or or tag = \"b\"`        | 13 | expected a field name, 'not' or '(', got 'or'",
            "`hostname = \"x\" ; drop table nodes`  | 15 | unexpected character ';'",
    })
    void badRulesAreRefusedWithThePositionAndWhatIsWrong(String rule, int position, String reason) {
        RuleException e = refused(rule);

        assertThat(e.position()).as(e.getMessage()).isEqualTo(position);
        assertThat(e.reason()).startsWith(reason.replace("\\\\", "\\"));
        assertThat(e.getMessage()).isEqualTo("at " + position + ": " + e.reason());
    }

    @Test
    void theMessageReadsAtPositionColonReason() {
        assertThat(refused("os.family = \"linux\" and cpu.cores =").getMessage())
                .isEqualTo("at 35: expected a value after '=', got the end of the rule");
    }

    @Test
    void injectionAttemptsAreJustStrings() {
        assertThat(parsed("hostname = \"x\\\" or 1=1 --\"")).isEqualTo("(= hostname \"x\\\" or 1=1 --\")");
        assertThat(parsed("hostname = \"'; drop table nodes; --\"")).isEqualTo("(= hostname \"'; drop table nodes; --\")");
        // Without the escape the quote ends the string, and what follows is not the language.
        assertThat(refused("hostname = \"x\" or 1=1 --\"").reason()).isEqualTo("expected a field name, 'not' or '(', got '1'");
    }

    @Test
    void rulesLongerThanTheLimitAreRefusedBeforeParsing() {
        String atLimit = "hostname = \"" + "x".repeat(RuleParser.MAX_LENGTH - 13) + "\"";
        assertThat(atLimit).hasSize(RuleParser.MAX_LENGTH);
        assertThat(Rule.parse(atLimit).text()).isEqualTo(atLimit);

        RuleException e = refused(atLimit + " ");
        assertThat(e.position()).isEqualTo(RuleParser.MAX_LENGTH);
        assertThat(e.reason()).isEqualTo("the rule is longer than 4096 characters");
    }

    @Test
    void nestingDeeperThanTheLimitIsRefusedWhereItGoesTooDeep() {
        int limit = RuleParser.MAX_DEPTH;
        assertThat(parsed("(".repeat(limit) + "tag = \"a\"" + ")".repeat(limit))).isEqualTo("(= tag \"a\")");
        assertThat(parsed("not ".repeat(limit) + "tag = \"a\"")).startsWith("(not (not");

        RuleException parens = refused("(".repeat(limit + 1) + "tag = \"a\"" + ")".repeat(limit + 1));
        assertThat(parens.position()).isEqualTo(limit);
        assertThat(parens.reason()).isEqualTo("the rule nests deeper than 32 levels");
        assertThat(refused("not ".repeat(limit + 1) + "tag = \"a\"").position()).isEqualTo(4 * limit);
        // What fits in 4 KiB can never nest deeper, however it is written.
        assertThat(refused("(".repeat(2000) + ")".repeat(2000)).position()).isEqualTo(limit);
    }

    @Test
    void longFlatRulesWithinTheLimitAreFine() {
        String rule = String.join(" or ", java.util.Collections.nCopies(300, "tag = \"a\""));
        assertThat(rule.length()).isLessThan(RuleParser.MAX_LENGTH);

        assertThat(Rule.parse(rule).expression()).isInstanceOfSatisfying(Expr.Or.class,
                or -> assertThat(or.operands()).hasSize(300));
    }

    @Test
    void nullIsNotARule() {
        assertThatThrownBy(() -> Rule.parse(null)).isInstanceOf(NullPointerException.class);
    }
}
