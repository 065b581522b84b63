package io.comfyrun.client;

/** The state of a {@link ServerConnection}'s transport. */
public enum ConnectionState {
    /** Created, nothing opened yet (no prompt needed it). */
    IDLE,
    /** Opening or re-opening the WebSocket. */
    CONNECTING,
    /** The WebSocket is open and answering pings. */
    OPEN,
    /** No WebSocket (refused, dropped, or POLL_ONLY): prompts are followed by polling. */
    POLLING,
    /** Closed for good. */
    CLOSED
}
