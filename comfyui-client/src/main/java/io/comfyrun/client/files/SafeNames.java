package io.comfyrun.client.files;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the {@code subfolder} and {@code filename} a ComfyUI server reports for an output into a relative
 * path that is safe to create under an output directory on any OS. The server is not trusted: a modified
 * or malicious server could report {@code ../../.ssh/authorized_keys}. Names are rejected, not rewritten,
 * so that what lands on disk is exactly what the server reported or nothing.
 *
 * <pre>{@code
 * SafeNames.relativePath("portraits/2025", "ComfyUI_00001_.png")  // "portraits/2025/ComfyUI_00001_.png"
 * SafeNames.relativePath("", "../x.png")                           // UnsafeNameException
 * }</pre>
 */
public final class SafeNames {

    /** Most file systems limit one name to 255 bytes; stay below in characters. */
    public static final int MAX_SEGMENT = 255;
    public static final int MAX_PATH = 1024;

    private SafeNames() {
    }

    /** {@code subfolder/filename} with '/' separators; {@code subfolder} may be null or empty. */
    public static String relativePath(String subfolder, String filename) {
        String name = segment(filename, "filename");
        if (subfolder == null || subfolder.isEmpty()) {
            return name;
        }
        String path = subfolder(subfolder) + "/" + name;
        if (path.length() > MAX_PATH) {
            throw new UnsafeNameException("output path is too long (" + path.length() + " characters): " + abbreviate(path));
        }
        return path;
    }

    /** Validates a subfolder ({@code a/b/c}), returns it without leading/trailing/duplicate separators rejected. */
    public static String subfolder(String subfolder) {
        if (subfolder == null || subfolder.isEmpty()) {
            return "";
        }
        checkChars(subfolder, "subfolder");
        if (subfolder.startsWith("/")) {
            throw new UnsafeNameException("subfolder " + quote(subfolder) + " is an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : subfolder.split("/", -1)) {
            if (part.isEmpty()) {
                // "a//b" or a trailing "/" : harmless, but collapse it so the path is canonical
                continue;
            }
            parts.add(segment(part, "subfolder"));
        }
        return String.join("/", parts);
    }

    /** Validates one path segment (a file name or one subfolder level). */
    public static String segment(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw new UnsafeNameException(what + " is empty");
        }
        checkChars(name, what);
        if (name.contains("/")) {
            throw new UnsafeNameException(what + " " + quote(name) + " contains '/'");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new UnsafeNameException(what + " " + quote(name) + " would leave the output directory");
        }
        if (name.length() > MAX_SEGMENT) {
            throw new UnsafeNameException(what + " is too long (" + name.length() + " characters): " + abbreviate(name));
        }
        if (name.endsWith(" ") || name.endsWith(".")) {
            // Windows silently strips these, so two different names could land on one file.
            throw new UnsafeNameException(what + " " + quote(name) + " ends with a space or a dot");
        }
        return name;
    }

    /**
     * Validates a directory a user gives relative to some root (a Jenkins step's {@code outputDir} under the
     * workspace, an input file's path): not absolute, no drive letter, no {@code ..} segment, no control character.
     * Unlike the names a server reports, it comes from the user and may use either separator; it is returned with
     * '/' separators and without empty or {@code .} segments ({@code ""} for null or empty, meaning the root).
     *
     * @param what how the error names the value, e.g. {@code "outputDir"}
     * @param root how the error names the root, e.g. {@code "the workspace"}
     * @throws UnsafeNameException naming {@code what}, the value and the fix
     */
    public static String relativeDirectory(String dir, String what, String root) {
        if (dir == null || dir.isEmpty()) {
            return "";
        }
        for (int i = 0; i < dir.length(); i++) {
            char c = dir.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new UnsafeNameException(what + " " + quote(dir) + " contains a control character (U+"
                        + String.format("%04X", (int) c) + ")");
            }
        }
        if (dir.startsWith("/") || dir.startsWith("\\") || dir.matches("^[A-Za-z]:.*")) {
            throw new UnsafeNameException(what + " " + quote(dir) + " must be relative to " + root);
        }
        List<String> parts = new ArrayList<>();
        for (String part : dir.split("[/\\\\]")) {
            if (part.equals("..")) {
                throw new UnsafeNameException(what + " " + quote(dir) + " must not contain '..': it would leave " + root);
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        String path = String.join("/", parts);
        if (path.length() > MAX_PATH) {
            throw new UnsafeNameException(what + " is too long (" + path.length() + " characters): " + abbreviate(path));
        }
        return path;
    }

    private static void checkChars(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                throw new UnsafeNameException(what + " " + quote(s) + " contains a NUL character");
            }
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                throw new UnsafeNameException(what + " " + quote(s) + " contains a control character (U+"
                        + String.format("%04X", (int) c) + ")");
            }
            if (c == '\\') {
                throw new UnsafeNameException(what + " " + quote(s) + " contains a backslash");
            }
            if (c == ':') {
                // a drive letter ("C:x") or an NTFS alternate data stream ("a.png:evil")
                throw new UnsafeNameException(what + " " + quote(s) + " contains ':'");
            }
        }
        if (s.contains("..") && (s.equals("..") || s.startsWith("../") || s.endsWith("/..") || s.contains("/../"))) {
            throw new UnsafeNameException(what + " " + quote(s) + " contains '..'");
        }
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        for (char c : abbreviate(s).toCharArray()) {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('\'').toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
