package io.comfyrun.fake.execution;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Where the worker's WebSocket messages go; ComfyUI's {@code send_sync}. Called on the engine thread. */
public interface Outbox {

    /** Sends {@code {"type": type, "data": data}} to {@code sid}, or to every socket when sid is null. */
    void send(String type, ObjectNode data, String sid);

    /** Sends an already encoded text frame of message {@code type} exactly as given (a recorded frame). */
    void sendEncoded(String type, byte[] payload, String sid);

    /** Sends a binary frame (already with its 4-byte type) to {@code sid}, or to all when null. */
    void sendBinary(byte[] frame, String sid);

    /** Whether the socket of {@code sid} announced {@code supports_preview_metadata}. */
    boolean supportsPreviewMetadata(String sid);
}
