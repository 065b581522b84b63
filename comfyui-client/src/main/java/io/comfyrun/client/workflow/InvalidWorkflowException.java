package io.comfyrun.client.workflow;

/**
 * A workflow that cannot be submitted as given: unreadable, not JSON, not in ComfyUI's API format, or
 * an override that does not fit it. The message names the source (file), the node and the input at fault
 * and says what to do. The CLI maps it to exit code 2.
 */
public class InvalidWorkflowException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidWorkflowException(String message) {
        super(message);
    }

    public InvalidWorkflowException(String message, Throwable cause) {
        super(message, cause);
    }
}
