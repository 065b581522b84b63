package io.comfyrun.client.tracker;

/**
 * What one maintenance tick learned of one prompt ({@link PromptTracker#maintain}), as bits of an {@code int}: a tick
 * visits every prompt in flight (1,000 of them five times a second) and allocates nothing per prompt. Zero: the
 * prompt is done, or not yet accepted and within its deadlines.
 */
public final class TickFindings {

    /** A deadline passed: the prompt ended TIMED_OUT during this tick. */
    public static final int TIMED_OUT = 1;
    /** With {@link #TIMED_OUT}: a POST went out, so a copy may be on the server and must be cancelled there. */
    public static final int POSTED = 2;
    /** The server has the prompt. */
    public static final int ACCEPTED = 4;
    /** Its socket is gone for good: only polling follows it. */
    public static final int ORPHANED = 8;
    /** Waiting in the server's queue. */
    public static final int QUEUED = 16;
    /** Queued or running, and nothing heard of it since the tick's {@code silentBefore}. */
    public static final int SILENT = 32;

    private TickFindings() {
    }

    /** Whether {@code findings} has {@code bit}. */
    public static boolean has(int findings, int bit) {
        return (findings & bit) != 0;
    }
}
