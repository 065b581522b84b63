package io.comfyrun.client;

import io.comfyrun.client.http.Json;
import okio.ByteString;

import java.nio.charset.StandardCharsets;

/**
 * ComfyUI's binary WebSocket frames (protocol §5): a big-endian uint32 type, then the payload. Only a type 4 frame (a
 * preview with metadata) names its prompt, in a JSON header; previews are never outputs, so that prompt id (a sign of
 * life) is all the engine takes from them. Pure functions.
 */
final class BinaryFrames {

    /** A preview whose payload starts with a uint32 length and that many bytes of JSON metadata. */
    private static final int PREVIEW_WITH_METADATA = 4;

    private BinaryFrames() {
    }

    /** The frame's type: its first uint32 (the caller checked it has at least 8 bytes). */
    static int type(ByteString bytes) {
        return bytes.getByte(0) << 24 | (bytes.getByte(1) & 0xff) << 16 | (bytes.getByte(2) & 0xff) << 8
                | bytes.getByte(3) & 0xff;
    }

    /** The prompt a frame of at least 8 bytes is about (a preview with metadata naming it), or null. */
    static String promptOf(ByteString bytes) {
        if (type(bytes) != PREVIEW_WITH_METADATA) {
            return null;
        }
        long len = (bytes.getByte(4) & 0xffL) << 24 | (bytes.getByte(5) & 0xff) << 16
                | (bytes.getByte(6) & 0xff) << 8 | bytes.getByte(7) & 0xff;
        if (len <= 0 || len > bytes.size() - 8) {
            return null;
        }
        String meta = bytes.substring(8, 8 + (int) len).string(StandardCharsets.UTF_8);
        return Json.text(Json.parseLenient(meta), "prompt_id");
    }
}
