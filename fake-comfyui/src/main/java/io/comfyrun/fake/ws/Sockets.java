package io.comfyrun.fake.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.execution.Outbox;
import io.comfyrun.fake.journal.Journal;
import io.comfyrun.fake.journal.JournalEntry.Kind;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.scenario.VersionProfile;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * ComfyUI's {@code sockets} dict and publish loop: who receives what (§3), the connect sequence (§2.2)
 * and the feature-flags handshake. Each message is encoded once and the same bytes are written to
 * every target. Engine thread only.
 */
public final class Sockets implements Outbox {

    /** What to do with one outgoing frame; the fault layer decides. */
    public interface FrameGate {
        /** Returns true if the frame may be written normally; false if the gate consumed it. */
        boolean beforeSend(ClientSocket socket, String type, byte[] payload, boolean binary);

        FrameGate OPEN = (s, t, p, b) -> true;
    }

    private final Journal journal;
    private final LinkedHashMap<String, ClientSocket> bySid = new LinkedHashMap<>();
    private volatile boolean sameClientIdBug;
    private volatile FrameGate gate = FrameGate.OPEN;
    private final int maxUploadSize;
    private final VersionProfile version;

    public Sockets(Journal journal, int maxUploadSize, VersionProfile version) {
        this.journal = journal;
        this.maxUploadSize = maxUploadSize;
        this.version = version;
    }

    public void setSameClientIdBug(boolean on) {
        this.sameClientIdBug = on;
    }

    public boolean sameClientIdBug() {
        return sameClientIdBug;
    }

    public void setGate(FrameGate gate) {
        this.gate = gate == null ? FrameGate.OPEN : gate;
    }

    /** The connect sequence: register, {@code status} with sid, then the bare {@code executing} if due. */
    public void open(ClientSocket socket, ObjectNode statusData, Optional<String> runningNode) {
        // the real handler pops an older socket of the same sid without closing it
        bySid.remove(socket.sid());
        bySid.put(socket.sid(), socket);
        journal.record(Kind.WS_OPEN, socket.sid(), "GET", socket.path(), 101, null,
                String.valueOf(socket.channel().remoteAddress()));
        ObjectNode d = statusData.deepCopy();
        d.put("sid", socket.sid());
        sendTo(List.of(socket), "status", PythonJson.writeBytes(PythonJson.message("status", d)));
        runningNode.ifPresent(node -> {
            ObjectNode e = PythonJson.object();
            e.put("node", node);
            sendTo(List.of(socket), "executing", PythonJson.writeBytes(PythonJson.message("executing", e)));
        });
    }

    /** A text frame from the client: only a first {@code feature_flags} message means anything. */
    public void received(ClientSocket socket, String text) {
        journal.record(Kind.WS_IN, socket.sid(), null, socket.path(), 0, typeOf(text), text);
        if (socket.firstMessageSeen) {
            return;
        }
        socket.firstMessageSeen = true;
        if (!version.atLeast0345()) {
            return; // before PR #8830 the server had no feature flags: the message is ignored, no answer
        }
        try {
            JsonNode m = PythonJson.parse(text);
            if ("feature_flags".equals(m.path("type").asText()) && m.path("data").isObject()) {
                socket.supportsPreviewMetadata = m.path("data").path("supports_preview_metadata").asBoolean(false);
                sendTo(List.of(socket), "feature_flags",
                        PythonJson.writeBytes(PythonJson.message("feature_flags", featureFlags(maxUploadSize))));
            }
        } catch (Exception e) {
            // the real server logs invalid JSON and carries on
        }
    }

    public static ObjectNode featureFlags(int maxUploadSize) {
        ObjectNode f = PythonJson.object();
        f.put("supports_preview_metadata", true);
        f.put("max_upload_size", maxUploadSize);
        return f;
    }

    /** The handler's {@code finally}: with the §2.6 bug it unregisters whatever socket holds the sid. */
    public void closed(ClientSocket socket) {
        if (sameClientIdBug) {
            bySid.remove(socket.sid());
        } else {
            bySid.remove(socket.sid(), socket);
        }
        journal.record(Kind.WS_CLOSED, socket.sid(), null, socket.path(), 0, null, null);
    }

    public List<ClientSocket> all() {
        return new ArrayList<>(bySid.values());
    }

    public Optional<ClientSocket> bySid(String sid) {
        return Optional.ofNullable(bySid.get(sid));
    }

    /** Drops every socket (restart): registry cleared; the caller closes the channels. */
    public List<ClientSocket> removeAll() {
        List<ClientSocket> all = all();
        bySid.clear();
        return all;
    }

    @Override
    public void send(String type, ObjectNode data, String sid) {
        byte[] payload = PythonJson.writeBytes(PythonJson.message(type, data));
        sendTo(targets(sid), type, payload);
    }

    /** Sends an already encoded text frame (used by faults that send malformed or unknown messages). */
    public void sendRawText(String sid, String type, byte[] payload) {
        sendTo(targets(sid), type, payload);
    }

    @Override
    public void sendEncoded(String type, byte[] payload, String sid) {
        sendTo(targets(sid), type, payload);
    }

    @Override
    public void sendBinary(byte[] frame, String sid) {
        int kind = frame.length >= 4 ? ((frame[0] & 0xff) << 24 | (frame[1] & 0xff) << 16 | (frame[2] & 0xff) << 8
                | (frame[3] & 0xff)) : -1;
        String type = "binary:" + kind;
        for (ClientSocket s : targets(sid)) {
            write(s, type, frame, true, p -> new BinaryWebSocketFrame(Unpooled.wrappedBuffer(p)));
        }
    }

    @Override
    public boolean supportsPreviewMetadata(String sid) {
        ClientSocket s = bySid.get(sid);
        return s != null && s.supportsPreviewMetadata && version.atLeast0345();
    }

    private List<ClientSocket> targets(String sid) {
        if (sid == null) {
            return all();
        }
        ClientSocket s = bySid.get(sid);
        return s == null ? List.of() : List.of(s); // not connected: dropped silently, like the real server
    }

    private void sendTo(List<ClientSocket> targets, String type, byte[] payload) {
        if (targets.isEmpty()) {
            return;
        }
        // decoded once per broadcast for the journal, like the frame bytes are encoded once
        String text = journal.recordsFrames() ? new String(payload, StandardCharsets.UTF_8) : null;
        for (ClientSocket s : targets) {
            write(s, type, payload, false, text, p -> new TextWebSocketFrame(Unpooled.wrappedBuffer(p)));
        }
    }

    private void write(ClientSocket s, String type, byte[] payload, boolean binary,
                       Function<byte[], WebSocketFrame> frame) {
        write(s, type, payload, binary, null, frame);
    }

    private void write(ClientSocket s, String type, byte[] payload, boolean binary, String text,
                       Function<byte[], WebSocketFrame> frame) {
        if (s.stalled || !s.channel().isActive()) {
            return;
        }
        if (!gate.beforeSend(s, type, payload, binary)) {
            return;
        }
        s.framesSent++;
        if (journal.recordsFrames()) {
            journal.record(Kind.WS_OUT, s.sid(), null, null, 0, type,
                    binary ? "binary " + payload.length + " bytes"
                            : text != null ? text : new String(payload, StandardCharsets.UTF_8));
        }
        s.send(frame.apply(payload));
    }

    private static String typeOf(String text) {
        try {
            return PythonJson.parse(text).path("type").asText(null);
        } catch (Exception e) {
            return null;
        }
    }

    public Map<String, ClientSocket> snapshot() {
        return new LinkedHashMap<>(bySid);
    }
}
