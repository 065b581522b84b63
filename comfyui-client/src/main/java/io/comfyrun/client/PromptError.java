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
        if (!details.isEmpty() && !details.equals(input) && !message.contains(details)) {
            b.append(" (").append(details.lines().findFirst().orElse("")).append(')');
        }
        if (type != null && !type.isEmpty()) {
            b.append(" [").append(type).append(']');
        }
        return b.toString();
    }
}
