package hudson.util;

import java.io.Serializable;
import java.util.Base64;

/**
 * Mirror of jenkins-core {@code hudson.util.Secret}. The real one encrypts with the instance key; here the
 * "encrypted" value is a reversible encoding. As in the real one, {@link #toString()} returns the plain text
 * (and is exactly what plugin code must never call on a secret).
 */
public final class Secret implements Serializable {
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public String getPlainText() {
        return value;
    }

    public String getEncryptedValue() {
        return "{" + Base64.getEncoder().encodeToString(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "}";
    }

    public static Secret fromString(String data) {
        return new Secret(data == null ? "" : data);
    }

    public static String toString(Secret s) {
        return s == null ? "" : s.value;
    }

    @Override
    public String toString() {
        return value;
    }

    private static final long serialVersionUID = 1L;
}
