package io.comfyrun.fake;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.json.PythonJson;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/** A test client socket that records every frame it receives, in order. */
final class WsRecorder extends WebSocketListener implements AutoCloseable {

    /** A received frame: JSON text, or binary with its 4-byte type. */
    record Frame(String type, JsonNode data, byte[] binary) {
    }

    final List<Frame> frames = new CopyOnWriteArrayList<>();
    volatile boolean open;
    volatile boolean closed;
    volatile Throwable failure;
    volatile Integer closeCode;
    final WebSocket socket;

    WsRecorder(OkHttpClient http, URI url, boolean featureFlags) {
        socket = http.newWebSocket(new Request.Builder().url(url.toString()).build(), this);
        if (featureFlags) {
            socket.send("{\"type\": \"feature_flags\", \"data\": {\"supports_preview_metadata\": true}}");
        }
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
        open = true;
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
        try {
            JsonNode m = PythonJson.parse(text);
            frames.add(new Frame(m.path("type").asText(), m.path("data"), null));
        } catch (IOException e) {
            frames.add(new Frame("<malformed>", null, text.getBytes()));
        }
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
        byte[] b = bytes.toByteArray();
        int kind = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
        frames.add(new Frame("binary:" + kind, null, b));
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
        closeCode = code;
        webSocket.close(code, null);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
        closed = true;
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
        failure = t;
        closed = true;
    }

    List<String> types() {
        List<String> t = new ArrayList<>();
        frames.forEach(f -> t.add(f.type()));
        return t;
    }

    boolean has(Predicate<Frame> p) {
        return frames.stream().anyMatch(p);
    }

    /** The null-node executing marker of a prompt: the very last message for it. */
    boolean finished(String promptId) {
        return has(f -> f.type().equals("executing") && f.data().path("node").isNull()
                && promptId.equals(f.data().path("prompt_id").asText()));
    }

    @Override
    public void close() {
        socket.close(1000, null);
    }
}
