package io.comfyrun.client;

import io.comfyrun.client.tracker.PromptTracker;

/**
 * One prompt followed on a shared {@link ServerConnection}, with the settings of the call that submitted or resumed
 * it: its own HTTP timeouts (for its POST, history reads and cancel) and its own polling interval, whatever the
 * settings of the call that opened the connection.
 *
 * <p>Threads: the poll clock is read by the scheduler's maintenance tick and written by the one poll round that
 * includes this prompt at a time (the connection's poll guard); volatile so the tick sees the round's last write.
 */
final class FollowedPrompt {

    private final PromptTracker tracker;
    private final ServerConfig config;
    private final ComfyHttpApi http;
    private volatile long nextPollNanos = System.nanoTime();
    private volatile long pollIntervalNanos;

    FollowedPrompt(PromptTracker tracker, ServerConfig config, ComfyHttpApi http) {
        this.tracker = tracker;
        this.config = config;
        this.http = http;
        this.pollIntervalNanos = config.pollMin().toNanos();
    }

    PromptTracker tracker() {
        return tracker;
    }

    ServerConfig config() {
        return config;
    }

    ComfyHttpApi http() {
        return http;
    }

    boolean pollDue(long nowNanos) {
        return nowNanos >= nextPollNanos;
    }

    /** After a poll round: back to this prompt's fastest interval if something changed, else back off towards its slowest. */
    void polled(boolean changed, long nowNanos) {
        long next = changed ? config.pollMin().toNanos()
                : Math.min(config.pollMax().toNanos(), (long) (pollIntervalNanos * 1.5));
        pollIntervalNanos = next;
        nextPollNanos = nowNanos + next;
    }

    /** The socket went down: poll at once, then at this prompt's fastest interval. */
    void pollNow() {
        pollIntervalNanos = config.pollMin().toNanos();
        nextPollNanos = System.nanoTime();
    }

    @Override
    public String toString() {
        return tracker.toString();
    }
}
