package hudson.util;

import hudson.Util;
import java.io.IOException;

/**
 * Mirror of jenkins-core {@code hudson.util.FormValidation} (real: also implements Stapler's HttpResponse), the
 * members the plugin uses. The message is the HTML the form shows: plain-text factories escape it with
 * {@link Util#escape}, as the real ones do, so {@link #getMessage()} returns escaped text.
 */
public abstract class FormValidation extends IOException {
    public enum Kind { OK, WARNING, ERROR }

    public final Kind kind;

    private FormValidation(Kind kind, String message) {
        // real private FormValidation(Kind, String): the HTML message and its kind
        super(message);
        this.kind = kind;
    }

    /** Real {@code _errorWithMarkup}: a null message gives {@link #ok()}; the HTML is kept as given. */
    private static FormValidation withMarkup(Kind kind, String html) {
        if (html == null) {
            return ok();
        }
        return new FormValidation(kind, html) {
            @Override
            public String renderHtml() {
                // real renderHtml outside a request: the message; inside one it wraps it in a div (not reproduced)
                throw new UnsupportedOperationException("mirror: renderHtml needs a Stapler request");
            }

            private static final long serialVersionUID = 1L;
        };
    }

    private static final FormValidation OK = new FormValidation(Kind.OK, null) {
        @Override
        public String renderHtml() {
            // real OK: respond(Kind.OK, "<div/>")
            return "<div/>";
        }

        private static final long serialVersionUID = 1L;
    };

    public static FormValidation ok() {
        // real ok(): the one OK instance, no message
        return OK;
    }

    public static FormValidation ok(String message) {
        // real ok(String): okWithMarkup(Util.escape(message))
        return withMarkup(Kind.OK, message == null ? null : Util.escape(message));
    }

    public static FormValidation warning(String message) {
        // real warning(String): warningWithMarkup(Util.escape(message))
        return withMarkup(Kind.WARNING, message == null ? null : Util.escape(message));
    }

    public static FormValidation warning(String format, Object... args) {
        // real warning(String, Object...): warning(String.format(format, args))
        return warning(String.format(format, args));
    }

    public static FormValidation error(String message) {
        // real error(String): errorWithMarkup(Util.escape(message))
        return withMarkup(Kind.ERROR, message == null ? null : Util.escape(message));
    }

    public static FormValidation error(String format, Object... args) {
        // real error(String, Object...): error(String.format(format, args))
        return error(String.format(format, args));
    }

    public abstract String renderHtml();

    private static final long serialVersionUID = 1L;
}
