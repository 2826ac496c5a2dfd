package io.octofleet.server.legacy;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import io.octofleet.server.problem.ApiException;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a legacy agent's JSON leniently where the agents are loose (numbers sent as strings, absent or null sections,
 * fields of other agent versions) and strictly where a wrong type would store nonsense: a field that is there with a
 * type that cannot be read is a 400 naming the field's path, and nothing is stored.
 */
final class LegacyJson {
    private final JsonNode node;
    private final String path;

    private LegacyJson(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    static LegacyJson root(JsonNode node) {
        if (!node.isObject()) {
            throw ApiException.invalid("the body must be a JSON object");
        }
        return new LegacyJson(node, "");
    }

    JsonNode raw() {
        return node;
    }

    private String at(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private @Nullable JsonNode field(String name) {
        JsonNode value = node.isObject() ? node.get(name) : null;
        return value == null || value.isNull() ? null : value;
    }

    boolean has(String name) {
        return field(name) != null;
    }

    /** The object at {@code name}; an empty one when absent. */
    LegacyJson object(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return new LegacyJson(JsonNode.createObjectNode(java.util.Map.of()), at(name));
        }
        if (!value.isObject()) {
            throw invalid(at(name), "an object");
        }
        return new LegacyJson(value, at(name));
    }

    /** The objects of the array at {@code name}; none when absent. */
    List<LegacyJson> array(String name) {
        return array(name, false);
    }

    /** Like {@link #array}, but an object alone counts as an array of one (the Windows agent's single CPU). */
    List<LegacyJson> oneOrMany(String name) {
        return array(name, true);
    }

    private List<LegacyJson> array(String name, boolean oneOrMany) {
        JsonNode value = field(name);
        List<LegacyJson> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (oneOrMany && value.isObject()) {
            out.add(new LegacyJson(value, at(name)));
            return out;
        }
        if (!value.isArray()) {
            throw invalid(at(name), "an array");
        }
        int i = 0;
        for (JsonNode element : value.values()) {
            if (element.isObject()) {
                out.add(new LegacyJson(element, at(name) + "[" + i + "]"));
            } else if (!element.isNull()) {
                throw invalid(at(name) + "[" + i + "]", "an object");
            }
            i++;
        }
        return out;
    }

    /** The strings of the array at {@code name}; none when absent. */
    List<String> strings(String name) {
        JsonNode value = field(name);
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (value.isString()) {
            out.add(value.getStringValue());
            return out;
        }
        if (!value.isArray()) {
            throw invalid(at(name), "an array of strings");
        }
        for (JsonNode element : value.values()) {
            if (element.isString()) {
                out.add(element.getStringValue());
            }
        }
        return out;
    }

    /** The text at {@code name} ("" when absent); numbers and booleans are taken as their text. */
    String text(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return "";
        }
        if (value.isString()) {
            return withoutNul(value.getStringValue()).strip();
        }
        if (value.isNumber() || value.isBoolean()) {
            return value.coerceStringValue();
        }
        throw invalid(at(name), "a string");
    }

    /** The text at {@code name} exactly as sent, whitespace included ("" when absent): output, not names. */
    String rawText(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return "";
        }
        if (!value.isString()) {
            throw invalid(at(name), "a string");
        }
        return withoutNul(value.getStringValue());
    }

    /** The first of the names that has a non-empty text. */
    String text(String... names) {
        for (String name : names) {
            String value = text(name);
            if (!value.isEmpty()) {
                return value;
            }
        }
        return "";
    }

    /** The number at {@code name}, 0 when absent or empty; a numeric string counts. */
    double number(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return 0;
        }
        if (value.isNumber()) {
            return value.getNumberValue().doubleValue();
        }
        if (value.isString()) {
            String text = value.getStringValue().strip();
            if (text.isEmpty()) {
                return 0;
            }
            try {
                return Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw invalid(at(name), "a number");
            }
        }
        throw invalid(at(name), "a number");
    }

    long whole(String name) {
        double value = number(name);
        if (value < 0 || Double.isNaN(value) || Double.isInfinite(value)) {
            return 0;
        }
        return value >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) value;
    }

    boolean bool(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return false;
        }
        if (value.isBoolean()) {
            return value.getBooleanValue();
        }
        if (value.isString()) {
            return Boolean.parseBoolean(value.getStringValue().strip());
        }
        throw invalid(at(name), "true or false");
    }

    /** An ISO-8601 time with offset (or UTC 'Z'); null when absent; 400 when present and not a time. */
    @Nullable Instant time(String name) {
        String text = text(name);
        if (text.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e2) {
                throw ApiException.invalid(at(name) + " must be an ISO-8601 time such as 2026-12-06T09:00:00Z, got '"
                        + abbreviate(text) + "'");
            }
        }
    }

    /** PostgreSQL text cannot hold NUL; an agent that read one from a registry value or a file loses just that. */
    static String withoutNul(String text) {
        return text.indexOf('\u0000') < 0 ? text : text.replace("\u0000", "");
    }

    static ApiException invalid(String path, String expected) {
        return ApiException.invalid(path + " must be " + expected);
    }

    static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }
}
