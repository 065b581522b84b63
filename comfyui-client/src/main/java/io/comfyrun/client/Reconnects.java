package io.comfyrun.client;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reconnect bookkeeping of one {@link SocketSession}: the attempts since its socket was last open (they set the
 * back-off, see {@link Backoff#reconnectCeiling}), since when the socket is down, whether a reconnect is scheduled,
 * and how many times the socket came back.
 *
 * <p>Owned by one SocketSession and touched only under that session's lock (no lock of its own), except the count of
 * reconnects: atomic, bumped by the reader thread after the lock and read by any thread.
 */
final class Reconnects {

    private int attempt;
    /** When the socket went down ({@link System#nanoTime}), or -1 while it is up or was never open. */
    private long downSinceNanos = -1;
    private boolean scheduled;
    private final AtomicLong count = new AtomicLong();

    /** The socket opened: the attempts start again. Returns when it went down, or -1 if it was not. */
    long opened() {
        attempt = 0;
        long down = downSinceNanos;
        downSinceNanos = -1;
        return down;
    }

    /** The socket came back after being down since {@code downSinceNanos} (from {@link #opened}): counts it. */
    Duration cameBack(long downSinceNanos) {
        count.incrementAndGet();
        return Duration.ofNanos(System.nanoTime() - downSinceNanos);
    }

    /** The socket went down; a drop while already down keeps the first instant. */
    void down() {
        if (downSinceNanos < 0) {
            downSinceNanos = System.nanoTime();
        }
    }

    boolean scheduled() {
        return scheduled;
    }

    /** A reconnect is scheduled; returns its 0-based attempt number. */
    int schedule() {
        scheduled = true;
        return attempt++;
    }

    /** The scheduled reconnect runs. */
    void due() {
        scheduled = false;
    }

    long count() {
        return count.get();
    }
}
