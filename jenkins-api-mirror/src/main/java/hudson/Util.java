package hudson;

/** Mirror of the few jenkins-core {@code hudson.Util} helpers the plugin uses. */
public class Util {
    public static String fixEmpty(String s) {
        // real fixEmpty: null for null or ""
        return s == null || s.isEmpty() ? null : s;
    }

    public static String fixEmptyAndTrim(String s) {
        // real fixEmptyAndTrim: trimmed, then null for ""
        return s == null ? null : fixEmpty(s.trim());
    }

    public static String fixNull(String s) {
        // real fixNull(String): "" for null
        return s == null ? "" : s;
    }

    /**
     * Real {@code escape}: newline to {@code <br>}, {@code < > & " '} to entities, and every space followed by
     * another space to {@code &nbsp;}.
     */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '\n' -> b.append("<br>");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#039;");
                case ' ' -> b.append(i + 1 < text.length() && text.charAt(i + 1) == ' ' ? "&nbsp;" : " ");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }
}
