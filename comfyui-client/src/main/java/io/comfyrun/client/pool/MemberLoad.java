package io.comfyrun.client.pool;

import io.comfyrun.client.ConnectionState;

/**
 * What routing knew about a member at one moment, from the shared socket only (no request is made).
 *
 * @param member         the member
 * @param queueRemaining {@code queue_remaining} of its last {@code status} frame (every client's prompts), -1 before one
 * @param inFlight       prompts this engine follows on it (every caller's, accepted or being submitted)
 * @param poolInFlight   prompts this pool routed to it and that have not ended
 * @param state          its connection's state
 * @param down           skipped after it was unreachable before accepting a prompt (until a retry is due)
 */
public record MemberLoad(PoolMember member, int queueRemaining, int inFlight, int poolInFlight, ConnectionState state,
                         boolean down) {

    /**
     * The work ahead of a new prompt there: the largest of what the server last reported, what this engine has
     * in flight on it and what this pool routed to it. The status frame lags our own submissions and our counts
     * miss other clients' prompts; the largest is right in both cases that matter (a farm of our own, a server
     * others fill). The pool's own count is exact at the moment of routing, the other two may be a moment old.
     */
    public int work() {
        return Math.max(Math.max(queueRemaining, 0), Math.max(inFlight, poolInFlight));
    }
}
