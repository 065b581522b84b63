package io.comfyrun.fake.journal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;

/**
 * One thing that happened on the wire or was injected, in server order.
 *
 * @param seq         position in the journal, strictly increasing
 * @param epochMillis wall clock when it happened
 * @param nanoTime    {@link System#nanoTime()} when it happened, for ordering and durations
 * @param kind        what happened
 * @param connection  the WebSocket sid, or {@code http#N} for an HTTP connection
 * @param method      HTTP method, or {@code null}
 * @param path        HTTP path with query, or the WebSocket path, or {@code null}
 * @param status      HTTP status of a response, else 0
 * @param type        WebSocket message type ({@code "progress"}, {@code "binary:4"}), or the fault kind
 * @param text        request body, frame text, or a description of the fault
 */
public record JournalEntry(long seq, long epochMillis, long nanoTime, Kind kind, String connection,
                           String method, String path, int status, String type, String text) {

    public enum Kind { HTTP_REQUEST, HTTP_RESPONSE, WS_OPEN, WS_IN, WS_OUT, WS_CLOSED, FAULT, SERVER }

    public ObjectNode toJson() {
        ObjectNode o = PythonJson.object();
        o.put("seq", seq);
        o.put("epoch_millis", epochMillis);
        o.put("nano_time", nanoTime);
        o.put("kind", kind.name());
        o.put("connection", connection);
        o.put("method", method);
        o.put("path", path);
        if (status != 0) {
            o.put("status", status);
        }
        o.put("type", type);
        o.put("text", text);
        return o;
    }
}
