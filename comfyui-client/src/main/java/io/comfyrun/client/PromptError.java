package io.comfyrun.client;

/**
 * One thing that went wrong, in a form a person can act on.
 *
 * @param type      ComfyUI's error type ({@code required_input_missing}, {@code value_not_in_list},
 *                  {@code prompt_outputs_failed_validation}...) or the exception type of a failed node
 * @param nodeId    the node at fault, or {@code null} for a prompt-level error
 * @param classType the node's class, or {@code null}
 * @param title     the node's title ({@code _meta.title}, else its class), or {@code null}
 * @param input     the input at fault, or {@code null}
 * @param message   what the server said
 * @param details   more detail from the server (validation details, a short traceback excerpt), or {@code ""}
 */
public record PromptError(String type, String nodeId, String classType, String title, String input, String message,
                          String details) {

    public PromptError {
        message = message == null ? "" : message.strip();
        details = details == null ? "" : details.strip();
    }

    /** One line: {@code node 3 KSampler ("My sampler") input 'steps': Value 0 smaller than min of 1 [value_smaller_than_min]}. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        if (nodeId != null) {
            b.append("node ").append(nodeId);
            if (classType != null) {
                b.append(' ').append(classType);
            }
            if (title != null && !title.equals(classType)) {
                b.append(" (\"").append(title).append("\")");
            }
            if (input != null && !input.isEmpty()) {
                b.append(" input '").append(input).append('\'');
            }
            b.append(": ");
        }
        b.append(message.isEmpty() ? type : message);
        String detail = usefulDetail();
        if (!detail.isEmpty() && !detail.equals(input) && !message.contains(detail)) {
            b.append(" (").append(detail).append(')');
        }
        if (type != null && !type.isEmpty()) {
            b.append(" [").append(type).append(']');
        }
        return b.toString();
    }

    private static final java.util.regex.Pattern FRAME =
            java.util.regex.Pattern.compile("^\\s*File \"([^\"]*)\", line (\\d+), in (\\S+)\\s*$");

    /**
     * The one line of {@link #details} worth a reader's eye. For a traceback that is what a person reading it looks
     * for after the exception (already in the message): where it was raised, the innermost {@code File ..., line N,
     * in f} frame, never a line of Python source such as {@code raise e}. Otherwise the first line.
     */
    String usefulDetail() {
        String where = null;
        for (String line : (Iterable<String>) details.lines()::iterator) {
            java.util.regex.Matcher m = FRAME.matcher(line);
            if (m.matches()) {
                String file = m.group(1).replace('\\', '/');
                int cut = file.lastIndexOf('/', Math.max(0, file.lastIndexOf('/') - 1));
                where = "raised in " + m.group(3) + ", " + (cut >= 0 ? file.substring(cut + 1) : file) + " line " + m.group(2);
            }
        }
        if (where != null) {
            return where;
        }
        if (details.lines().anyMatch(l -> l.startsWith("    ") || l.strip().startsWith("^"))) {
            return ""; // source lines of a traceback without its frames: nothing a reader can act on
        }
        return details.lines().findFirst().orElse("");
    }
}
