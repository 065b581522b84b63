package io.comfyrun.client.pool;

/** What a pool did with one prompt, for a console or a build page; called on engine threads, must not block. */
public interface PoolListener {

    PoolListener NONE = new PoolListener() {
    };

    /** The prompt is being submitted to this member (once, or again after a member was skipped). */
    default void routed(PoolMember member) {
    }

    /** Every member with room is busy: the prompt waits, without a thread, until one has room. */
    default void waiting(int prompts) {
    }

    /** This member could not be reached before the prompt was posted; it goes to another member. */
    default void skipped(PoolMember member, String reason) {
    }
}
