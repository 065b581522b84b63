package hudson.util;

import java.io.Serializable;

/**
 * Mirror of jenkins-core {@code hudson.util.Secret} (members the plugin and its tests use). As in the real one,
 * {@link #toString()} returns the plain text (and is exactly what plugin code must never call on a secret).
 */
public final class Secret implements Serializable {
    private final String value;

    private Secret(String value) {
        // real private Secret(String): the plain text
        this.value = value;
    }

    public String getPlainText() {
        // real getPlainText
        return value;
    }

    public static Secret fromString(String data) {
        // real fromString for plain text (never an encrypted "{...}" value here): a Secret of it, "" for null
        return new Secret(data == null ? "" : data);
    }

    public static String toString(Secret s) {
        // real toString(Secret): the plain text, "" for null
        return s == null ? "" : s.value;
    }

    @Override
    public String toString() {
        // real toString (deprecated): the plain text
        return value;
    }

    private static final long serialVersionUID = 1L;
}
