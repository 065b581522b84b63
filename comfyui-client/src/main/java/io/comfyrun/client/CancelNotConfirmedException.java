package io.comfyrun.client;

/**
 * A cancel could not be confirmed: the server could not be asked to stop the prompt (its queue delete, the jobs
 * cancel or the interrupt failed, even after retries), so the prompt may still be queued or running there. The
 * message names the server, the prompt and the last error.
 */
public final class CancelNotConfirmedException extends RuntimeException {

    private final String promptId;

    public CancelNotConfirmedException(String promptId, String message, Throwable cause) {
        super(message, cause);
        this.promptId = promptId;
    }

    public String promptId() {
        return promptId;
    }
}
