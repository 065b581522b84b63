package io.comfyrun.client;

/** How a prompt was actually followed, reported in its result. */
public enum TrackingMethod {
    WEBSOCKET, POLLING, MIXED;

    /** The method after a prompt was also followed by {@code other} for a while. */
    public TrackingMethod combine(TrackingMethod other) {
        return this == other ? this : MIXED;
    }

    /** Lower-case wire/console name: {@code websocket}, {@code polling}, {@code mixed}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
