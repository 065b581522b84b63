package io.comfyrun.client.tracker;

/**
 * Where one prompt stands in the server's queue: its 1-based position while pending (0 once it runs), the queue's
 * total, and how many reconcile rounds in a row found it neither in {@code /queue} nor in {@code /history}.
 *
 * <p>Owned by one {@link PromptTracker} and touched only under that tracker's lock; no lock of its own.
 */
final class QueuePlace {

    private int position;
    private int total;
    private int misses;

    int position() {
        return position;
    }

    int total() {
        return total;
    }

    /** {@code /queue} lists the prompt (pending or running): the misses in a row start again from zero. */
    void listed() {
        misses = 0;
    }

    /** {@code /queue} shows the prompt pending at this place; returns true if the position or the total changed. */
    boolean pending(int position, int total) {
        boolean changed = position != this.position || total != this.total;
        this.position = position;
        this.total = total;
        return changed;
    }

    /** {@code /queue} shows the prompt running among {@code total} prompts. */
    void running(int total) {
        this.total = total;
    }

    /** The prompt started running: it has no place in the queue any more. */
    void started() {
        position = 0;
    }

    /**
     * A status frame says {@code remaining} prompts (every user's) are left: a queued prompt cannot be further back.
     * Returns true if that moved it forward.
     */
    boolean atMost(int remaining) {
        total = remaining;
        if (position > remaining) {
            position = remaining;
            return true;
        }
        return false;
    }

    /** Neither queued nor in history once more; returns the number of such misses in a row. */
    int missed() {
        return ++misses;
    }
}
