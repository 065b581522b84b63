package io.comfyrun.client.progress.log;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Small formatting rules shared by the console log and the CLI's result output, kept in one place so lines stay stable. */
public final class LogFormat {

    private LogFormat() {
    }

    /**
     * A server URL fit for a console: user-info ({@code user:token@}) and query removed, so a secret put in
     * the URL never reaches a build log.
     */
    public static String server(URI uri) {
        if (uri == null) {
            return "?";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme() + "://";
        String host = uri.getHost() == null ? String.valueOf(uri.getRawAuthority()).replaceAll("^.*@", "") : uri.getHost();
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().equals("/") ? "" : stripSlash(uri.getRawPath());
        return scheme + host + port + path;
    }

    private static String stripSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** The first 6 characters of a prompt id and an ellipsis: enough to grep, short enough to read. */
    public static String promptId(String id) {
        if (id == null) {
            return "?";
        }
        return id.length() <= 8 ? id : id.substring(0, 6) + "…";
    }

    /** {@code 850 ms}, {@code 6.2 s}, {@code 42 s}, {@code 3 min 05 s}, {@code 2 h 03 min}. */
    public static String duration(Duration d) {
        if (d == null) {
            return "?";
        }
        long ms = Math.max(0, d.toMillis());
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 10_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = Math.round(ms / 1000.0);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    /** A coarse ETA: whole seconds, minutes past 2 min; never fractions that flicker. */
    public static String eta(Duration d) {
        long s = Math.max(0, Math.round(d.toMillis() / 1000.0));
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return Math.round(s / 60.0) + " min";
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    /** Integer percent, floored so that 100% only ever means done. */
    public static int percent(double fraction) {
        if (Double.isNaN(fraction)) {
            return 0;
        }
        return (int) Math.floor(Math.max(0, Math.min(1, fraction)) * 100 + 1e-9);
    }

    public static String plural(int n, String one) {
        return n + " " + (n == 1 ? one : one + "s");
    }

    /** Joins at most {@code max} items, then "and N more". */
    public static <T> String joinLimited(List<T> items, int max, Function<T, String> show) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < items.size() && i < max; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(show.apply(items.get(i)));
        }
        if (items.size() > max) {
            b.append(" and ").append(items.size() - max).append(" more");
        }
        return b.toString();
    }

    /** One line: newlines and control characters from server messages must not forge extra log lines. */
    public static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String t = s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " | ");
        StringBuilder b = new StringBuilder(t.length());
        for (char c : t.toCharArray()) {
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        String line = b.toString().strip();
        return line.length() > 500 ? line.substring(0, 497) + "..." : line;
    }

    // ----- lines a host (the Jenkins step) prints around the engine's own progress log, same prefix and style -----

    /** {@code [ComfyUI] saved 2 outputs to comfyui-out/} (or {@code to the workspace} for an empty directory). */
    public static String savedOutputs(int count, String directory) {
        return ProgressLog.PREFIX + "saved " + plural(count, "output") + " to "
                + (directory == null || directory.isEmpty() ? "the workspace" : directory + "/");
    }

    /** {@code [ComfyUI] build stopped: cancelling prompt <id> on gpu-1}. */
    public static String cancelling(String promptId, String server) {
        return ProgressLog.PREFIX + "build stopped: cancelling prompt " + promptId + " on " + server;
    }

    /** {@code [ComfyUI] could not confirm the cancellation of prompt <id> (reason)}. */
    public static String cancelUnconfirmed(String promptId, String reason) {
        return ProgressLog.PREFIX + "could not confirm the cancellation of prompt " + promptId + " (" + oneLine(reason) + ")";
    }

    /** {@code [ComfyUI] build stopped; prompt <id> left running on gpu-1 (cancelOnAbort: false)}. */
    public static String leftRunning(String promptId, String server, String why) {
        return ProgressLog.PREFIX + "build stopped; prompt " + promptId + " left running on " + server + " (" + why + ")";
    }

    /** {@code [ComfyUI] Jenkins restarted: reattaching to prompt <id> on gpu-1} ({@code host} names what restarted). */
    public static String reattaching(String host, String promptId, String server) {
        return ProgressLog.PREFIX + host + " restarted: reattaching to prompt " + promptId + " on " + server;
    }
}
