package hudson;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Mirror of the few jenkins-core {@code hudson.Util} helpers the plugin uses (same behaviour). */
public class Util {
    public static String fixEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    public static String fixEmptyAndTrim(String s) {
        return s == null ? null : fixEmpty(s.trim());
    }

    public static String fixNull(String s) {
        return s == null ? "" : s;
    }

    /** Percent-encodes everything but unreserved characters (the real one also keeps a few more). */
    public static String rawEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#039;");
    }

    public static String getTimeSpanString(long duration) {
        return duration / 1000 + " sec";
    }
}
