package hudson.util;

import hudson.Util;
import java.io.IOException;

/**
 * Mirror of jenkins-core {@code hudson.util.FormValidation} (real: also implements Stapler's HttpResponse).
 * Plain messages are HTML-escaped as in the real one; {@link #getMessage()} returns the escaped text.
 */
public abstract class FormValidation extends IOException {
    public enum Kind { OK, WARNING, ERROR }

    public final Kind kind;

    protected FormValidation(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    private static FormValidation of(Kind kind, String message) {
        String html = message == null ? null : Util.escape(message);
        return new FormValidation(kind, html) {
            @Override
            public String renderHtml() {
                return html == null ? "<div/>" : "<div class=" + kind.name().toLowerCase() + ">" + html + "</div>";
            }

            private static final long serialVersionUID = 1L;
        };
    }

    public static FormValidation ok() {
        return of(Kind.OK, null);
    }

    public static FormValidation ok(String message) {
        return of(Kind.OK, message);
    }

    public static FormValidation ok(String format, Object... args) {
        return of(Kind.OK, String.format(format, args));
    }

    public static FormValidation warning(String message) {
        return of(Kind.WARNING, message);
    }

    public static FormValidation warning(String format, Object... args) {
        return of(Kind.WARNING, String.format(format, args));
    }

    public static FormValidation error(String message) {
        return of(Kind.ERROR, message);
    }

    public static FormValidation error(String format, Object... args) {
        return of(Kind.ERROR, String.format(format, args));
    }

    public static FormValidation error(Throwable e, String message) {
        return of(Kind.ERROR, message);
    }

    public static FormValidation warning(Throwable e, String message) {
        return of(Kind.WARNING, message);
    }

    public static FormValidation validateRequired(String value) {
        return Util.fixEmptyAndTrim(value) == null ? error("This field is required") : ok();
    }

    public static FormValidation validatePositiveInteger(String value) {
        try {
            return Integer.parseInt(value) > 0 ? ok() : error("Not a positive number");
        } catch (NumberFormatException e) {
            return error("Not a number");
        }
    }

    public abstract String renderHtml();

    private static final long serialVersionUID = 1L;
}
