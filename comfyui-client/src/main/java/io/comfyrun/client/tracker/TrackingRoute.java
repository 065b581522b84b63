package io.comfyrun.client.tracker;

import io.comfyrun.client.TrackingMethod;

/**
 * How one prompt is followed: the method now (WebSocket or polling), the method its result reports (MIXED once both
 * were used), whether its socket is gone for good (orphaned: its clientId was rotated away), and whether the socket was
 * down or replaced while it was in flight (an event gap: {@code executed} messages may have been missed).
 *
 * <p>Owned by one {@link PromptTracker} and touched only under that tracker's lock; no lock of its own.
 */
final class TrackingRoute {

    private TrackingMethod method;
    private TrackingMethod now;
    private boolean orphaned;
    private boolean eventGap;

    TrackingRoute(TrackingMethod method) {
        this.method = method;
        this.now = method;
    }

    /** The method the result reports. */
    TrackingMethod method() {
        return method;
    }

    boolean orphaned() {
        return orphaned;
    }

    /** The POST goes out tracked this way (before acceptance the method is still the connection's choice). */
    void postingWith(TrackingMethod by) {
        method = by;
        now = by;
    }

    /** Tracking switched to {@code to}; returns false if it already was. */
    boolean switchTo(TrackingMethod to) {
        if (to == now) {
            return false;
        }
        now = to;
        method = method.combine(to);
        return true;
    }

    /** The prompt's socket is gone for good; returns false if it already was. */
    boolean orphan() {
        if (orphaned) {
            return false;
        }
        orphaned = true;
        return true;
    }

    /** The socket was down or replaced: events in between may be missed. */
    void eventGap() {
        eventGap = true;
    }

    /** Whether a success told over the socket still needs the history entry (see {@link OutcomeRules}). */
    boolean successNeedsHistory() {
        return OutcomeRules.successNeedsHistory(eventGap, method);
    }
}
