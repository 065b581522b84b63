package io.comfyrun.client.tracker;

/**
 * Whether one running prompt's silence makes the socket suspect (a deaf socket, protocol §2.6): counts the silence
 * reconciles that found it running with nothing about it heard over the socket in between. The limit starts at 2 and
 * doubles each time it is reached, so a healthy five-minute silent node costs only a few re-subscriptions.
 *
 * <p>Owned by one {@link PromptTracker} and touched only under that tracker's lock; no lock of its own.
 */
final class SilenceWatch {

    private static final int MAX_LIMIT = 1 << 12;

    /** Something about this prompt came over the socket since the last silent check. */
    private boolean heardSinceCheck;
    private int silentChecks;
    /** Silent checks in a row that make the socket suspect. */
    private int limit = 2;

    /** Something about the prompt came over the socket. */
    void heard() {
        heardSinceCheck = true;
    }

    /** A silence reconcile found the prompt running; true when that makes the socket suspect. */
    boolean foundRunning() {
        silentChecks = heardSinceCheck ? 0 : silentChecks + 1;
        heardSinceCheck = false;
        if (silentChecks < limit) {
            return false;
        }
        silentChecks = 0;
        limit = Math.min(limit * 2, MAX_LIMIT);
        return true;
    }
}
