package io.comfyrun.client;

import io.comfyrun.client.tracker.ServerMessage;

/**
 * Test seam (issue 13 items 3 and 7): the points where two engine threads used to race, so a test can hold one thread
 * there (on a latch with a deadline) and force the interleaving. Production uses {@link #NONE}; every method is a no-op.
 */
interface RacePoints {

    RacePoints NONE = new RacePoints() { };

    /** Reader thread, no lock held: a frame about a prompt is about to be delivered. */
    default void beforeDelivery(ServerMessage m) { }

    /** Io thread: a server-chosen id is being adopted; {@code renamed} false before the rename, true right after it. */
    default void adopting(FollowedPrompt p, boolean renamed) { }

    /** Io thread: the POST body has taken its clientId; the request is about to be sent. */
    default void aboutToPost(FollowedPrompt p) { }

    /** Io thread (or the caller's): a reconcile round is starting. */
    default void roundStarting(Reconciler.Round why) { }
}
