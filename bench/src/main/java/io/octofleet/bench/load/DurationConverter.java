package io.octofleet.bench.load;

import picocli.CommandLine;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, or a bare number of seconds, as the flags read. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
        Matcher m = FORM.matcher(value.strip());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration; write e.g. 500ms, 30s, 10m or 1h");
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofSeconds(amount);
        };
    }

    /** The form the server's configuration takes ({@code 15s}); whole seconds only. */
    static String forServer(Duration duration) {
        if (duration.toMillis() % 1000 != 0 || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(duration + ": the server takes whole, positive seconds");
        }
        return duration.toSeconds() + "s";
    }
}
