package io.octofleet.server.rules;

import java.util.Locale;

/**
 * Reads a rule token by token, on demand, so the first problem in reading order is the one reported. Strings are double-quoted with {@code \"} and {@code \\} as the only escapes; anything
 * else after a backslash is an error rather than a guess, so a rule means exactly what it says.
 */
final class RuleLexer {
    private final String text;
    private int at;

    RuleLexer(String text) {
        this.text = text;
    }

    /**
     * The next token; {@code END} at the end of the text, and again on every later call.
     *
     * @throws RuleException at the offending character
     */
    Token next() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
        int start = at;
        if (at == text.length()) {
            return new Token(Token.Kind.END, "", "", start);
        }
        char c = text.charAt(at);
        if (c == '"') {
            return string(start);
        }
        if (isDigit(c)) {
            return number(start);
        }
        if (isLetter(c)) {
            return word(start);
        }
        at++;
        return switch (c) {
            case '=' -> symbol(Token.Kind.EQ, start);
            case '~' -> symbol(Token.Kind.GLOB, start);
            case '(' -> symbol(Token.Kind.LPAREN, start);
            case ')' -> symbol(Token.Kind.RPAREN, start);
            case '[' -> symbol(Token.Kind.LBRACKET, start);
            case ']' -> symbol(Token.Kind.RBRACKET, start);
            case ',' -> symbol(Token.Kind.COMMA, start);
            case '<' -> symbol(follows('=') ? Token.Kind.LE : Token.Kind.LT, start);
            case '>' -> symbol(follows('=') ? Token.Kind.GE : Token.Kind.GT, start);
            case '!' -> {
                if (!follows('=')) {
                    throw new RuleException(start, "expected '=' after '!' (negate with 'not')");
                }
                yield symbol(Token.Kind.NE, start);
            }
            default -> throw new RuleException(start, "unexpected character " + quoted(c));
        };
    }

    private boolean follows(char expected) {
        if (at < text.length() && text.charAt(at) == expected) {
            at++;
            return true;
        }
        return false;
    }

    private Token symbol(Token.Kind kind, int start) {
        String source = text.substring(start, at);
        return new Token(kind, source, source, start);
    }

    private Token string(int start) {
        StringBuilder value = new StringBuilder();
        at++; // the opening quote
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c == '"') {
                at++;
                return new Token(Token.Kind.STRING, text.substring(start, at), value.toString(), start);
            }
            if (c == '\\') {
                if (at + 1 == text.length()) {
                    break; // reported as unterminated
                }
                char escaped = text.charAt(at + 1);
                if (escaped != '"' && escaped != '\\') {
                    throw new RuleException(at, "unknown escape '\\" + escaped
                            + "' in a string; only \\\" and \\\\ are allowed");
                }
                value.append(escaped);
                at += 2;
            } else {
                value.append(c);
                at++;
            }
        }
        throw new RuleException(start, "unterminated string: a '\"' is missing");
    }

    /** Digits with an optional fraction and unit ({@code 16GiB}, {@code 1.5TB}); the parser checks what fits. */
    private Token number(int start) {
        while (at < text.length() && (isDigit(text.charAt(at)) || text.charAt(at) == '.')) {
            at++;
        }
        // The unit; digits after it are kept with it, so "8GB2" is one bad literal rather than two tokens.
        while (at < text.length() && (isLetter(text.charAt(at)) || isDigit(text.charAt(at)))) {
            at++;
        }
        String source = text.substring(start, at);
        return new Token(Token.Kind.NUMBER, source, source, start);
    }

    private Token word(int start) {
        while (at < text.length() && (isLetter(text.charAt(at)) || isDigit(text.charAt(at))
                || text.charAt(at) == '.' || text.charAt(at) == '_')) {
            at++;
        }
        String source = text.substring(start, at);
        Token.Kind kind = switch (source.toLowerCase(Locale.ROOT)) {
            case "and" -> Token.Kind.AND;
            case "or" -> Token.Kind.OR;
            case "not" -> Token.Kind.NOT;
            case "in" -> Token.Kind.IN;
            default -> Token.Kind.FIELD;
        };
        return new Token(kind, source, source, start);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** A character as an error message shows it: printable ones quoted, the rest as a code point. */
    private static String quoted(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
