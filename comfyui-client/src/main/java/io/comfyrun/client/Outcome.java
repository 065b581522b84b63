package io.comfyrun.client;

/** How a prompt ended. */
public enum Outcome {
    /** {@code execution_success} (or the end marker / history with {@code status_str: success}). */
    SUCCESS,
    /** A node raised: {@code execution_error} with a timestamp. */
    FAILED,
    /** {@code execution_interrupted}: cancelled by us or by someone else. */
    INTERRUPTED,
    /** The server's validation refused the workflow (400, or 200 with {@code node_errors}). */
    REJECTED,
    /** The prompt vanished: neither queued, running nor in history (server restart, history cap). */
    LOST,
    /** One of the prompt's deadlines passed. */
    TIMED_OUT,
    /** The server could not be reached in time to submit or to learn the result. */
    UNREACHABLE;

    public boolean isSuccess() {
        return this == SUCCESS;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
