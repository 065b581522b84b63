package io.comfyrun.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** {@code 90s}, {@code 5m}, {@code 1h30m}, {@code 250ms}, {@code 45} (seconds) or ISO-8601 {@code PT5M}. */
final class DurationParser implements CommandLine.ITypeConverter<Duration> {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        Duration d;
        if (v.matches("\\d+")) {
            d = Duration.ofSeconds(Long.parseLong(v));
        } else if (v.startsWith("pt") || v.startsWith("p")) {
            try {
                d = Duration.parse(v.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw bad(value);
            }
        } else {
            Matcher m = PART.matcher(v);
            d = Duration.ZERO;
            int end = 0;
            while (m.find()) {
                if (m.start() != end) {
                    throw bad(value);
                }
                long n = Long.parseLong(m.group(1));
                d = d.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
                end = m.end();
            }
            if (end != v.length() || end == 0) {
                throw bad(value);
            }
        }
        if (d.isZero() || d.isNegative()) {
            throw new CommandLine.TypeConversionException("duration '" + value + "' must be positive");
        }
        return d;
    }

    private static CommandLine.TypeConversionException bad(String value) {
        return new CommandLine.TypeConversionException("'" + value
                + "' is not a duration; use e.g. 90s, 5m, 1h30m, 250ms, 45 (seconds) or PT5M");
    }
}
