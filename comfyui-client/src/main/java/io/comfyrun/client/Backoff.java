package io.comfyrun.client;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/** The engine's waiting rules between attempts: submissions, reconnects, cancels. Pure functions. */
final class Backoff {

    /** Reconnect attempts made at the short cadence before polling is taken to carry the prompts. */
    static final int FAST_RECONNECTS = 8;

    private Backoff() {
    }

    /**
     * The ceiling of the reconnect delay before attempt {@code attempt} (0-based): doubling from 100 ms up to
     * {@code cap} for the first {@link #FAST_RECONNECTS} attempts (a dropped socket usually comes back at once), then,
     * with polling carrying the prompts, doubling on up to {@code pollingCap} (tens of seconds): a proxy that refuses
     * the upgrade for good is asked a few times a minute, not several times a second.
     */
    static long reconnectCeiling(int attempt, Duration cap, Duration pollingCap) {
        long fast = Math.min(cap.toMillis(), 100L << Math.min(attempt, 16));
        if (attempt < FAST_RECONNECTS) {
            return fast;
        }
        long slow = cap.toMillis() << Math.min(attempt - FAST_RECONNECTS + 1, 16);
        return Math.max(fast, Math.min(pollingCap.toMillis(), slow));
    }

    /** A delay in [ceiling/4, ceiling] (jitter, so many engines do not reconnect in step). */
    static long jittered(long ceiling) {
        return ThreadLocalRandom.current().nextLong(Math.max(1, ceiling / 4), Math.max(1, ceiling) + 1);
    }

    /** Exponential from 250 ms up to {@code cap}, jittered in [ceiling/2, ceiling]. */
    static long retryMillis(int attempt, long cap) {
        long ceiling = Math.min(cap, 250L << Math.min(attempt, 10));
        return ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
    }

    /**
     * A delay never sleeps past the earliest deadline of the prompts that wait on it: the last attempt before a
     * prompt would time out is made in time to matter (and at least 1 ms later).
     */
    static long clipToDeadline(long delayMillis, Instant now, Instant earliestDeadline) {
        if (earliestDeadline == null) {
            return delayMillis;
        }
        long until = Duration.between(now, earliestDeadline).toMillis();
        return Math.max(1, Math.min(delayMillis, until));
    }
}
