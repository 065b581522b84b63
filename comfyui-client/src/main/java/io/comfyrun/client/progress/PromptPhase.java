package io.comfyrun.client.progress;

/** Where a prompt is in its life. */
public enum PromptPhase {
    /** Not yet accepted by the server (connecting, posting). */
    SUBMITTING,
    /** Accepted, waiting in the server's queue. */
    QUEUED,
    /** Executing. */
    RUNNING,
    /** A terminal outcome is known. */
    DONE
}
