package io.comfyrun.client.workflow;

/**
 * An override ({@code 3.seed=42}, {@code KSampler.seed=42}, {@code "Positive Prompt".text=...}) whose
 * target node is missing or ambiguous, whose input does not exist, or whose value has the wrong type.
 */
public final class InvalidOverrideException extends InvalidWorkflowException {
    private static final long serialVersionUID = 1L;

    public InvalidOverrideException(String message) {
        super(message);
    }
}
