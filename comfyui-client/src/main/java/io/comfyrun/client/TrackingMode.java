package io.comfyrun.client;

/** How the engine is allowed to follow prompts on a server. */
public enum TrackingMode {
    /** WebSocket when it can be opened, polling while it is down. */
    AUTO,
    /** Never open a WebSocket: one shared {@code /queue} poll per server plus {@code /history/{id}}. */
    POLL_ONLY
}
