package io.comfyrun.fake.wire;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.journal.Journal;
import io.comfyrun.fake.journal.JournalEntry.Kind;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Fault.WsAction;
import io.comfyrun.fake.scenario.Fault.WsFault;
import io.comfyrun.fake.scenario.Fault.WsRefuseUpgrade;
import io.comfyrun.fake.scenario.FaultControl;
import io.comfyrun.fake.scenario.Trigger;
import io.comfyrun.fake.time.VirtualTime;
import io.comfyrun.fake.ws.ClientSocket;
import io.comfyrun.fake.ws.Sockets;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Applies WebSocket transport faults on the wire: the gate every outgoing frame passes (engine
 * thread), time-triggered faults, and upgrade refusal (event-loop threads). Each wire action uses
 * public Netty API only: Close frames, FIN by closing below the WebSocket layer, RST by SO_LINGER 0,
 * half-close by {@code shutdownOutput}, stalls by no longer writing or reading.
 */
public final class WireFaults implements Sockets.FrameGate {

    private final FaultControl faults;
    private final Journal journal;
    private final VirtualTime time;
    private volatile Sockets sockets;
    private volatile Runnable restart = () -> { };
    /** sid (or "*") → System.nanoTime() until which upgrades are refused. */
    private final Map<String, Long> refusedUntil = new ConcurrentHashMap<>();

    public WireFaults(FaultControl faults, Journal journal, VirtualTime time) {
        this.faults = faults;
        this.journal = journal;
        this.time = time;
    }

    public void attach(Sockets sockets, Runnable restartOnEngine) {
        this.sockets = sockets;
        this.restart = restartOnEngine;
    }

    /** Called when a fault is installed: time-triggered ones are scheduled now. */
    public void installed(FaultControl.Installed i) {
        Fault f = i.fault();
        Double after = f.trigger().afterMs();
        if (after == null) {
            return;
        }
        if (f instanceof WsFault ws) {
            time.after(after, () -> {
                if (!faults.list().contains(i)) {
                    return;
                }
                for (ClientSocket s : sockets.all()) {
                    if (ws.trigger().clientId() == null || ws.trigger().clientId().equals(s.sid())) {
                        journal.fault(s.sid(), ws.kind(), "after " + after + " virtual ms " + PythonJson.write(ws.toJson()));
                        apply(ws, s, null, false);
                    }
                }
                faults.remove(i.id());
            });
        } else if (f instanceof Fault.Restart) {
            time.after(after, () -> {
                if (faults.remove(i.id())) {
                    journal.fault(null, f.kind(), "after " + after + " virtual ms");
                    restart.run();
                }
            });
        }
    }

    @Override
    public boolean beforeSend(ClientSocket socket, String type, byte[] payload, boolean binary) {
        JsonNode[] data = new JsonNode[1];
        WsFault ws = faultsFire(WsFault.class, socket, type, payload, binary, data);
        Fault.Restart restartFault = faultsFire(Fault.Restart.class, socket, type, payload, binary, data);
        if (restartFault != null) {
            time.soon(restart);
        }
        if (ws == null) {
            return true;
        }
        return apply(ws, socket, payload, binary);
    }

    private <F extends Fault> F faultsFire(Class<F> kind, ClientSocket socket, String type, byte[] payload,
                                           boolean binary, JsonNode[] data) {
        return faultsFireImpl(kind, socket, type, payload, binary, data);
    }

    private <F extends Fault> F faultsFireImpl(Class<F> kind, ClientSocket socket, String type, byte[] payload,
                                               boolean binary, JsonNode[] data) {
        return faults.fireMatching(kind, f -> {
            Trigger t = f.trigger();
            if (t.afterMs() != null || t.route() != null) {
                return false;
            }
            if (t.clientId() != null && !t.clientId().equals(socket.sid())) {
                return false;
            }
            if (t.onEvent() != null && !t.onEvent().equals(type)) {
                return false;
            }
            if (t.onEvent() == null && t.promptId() == null && t.nodeId() == null && t.atStep() == null
                    && t.clientId() == null && f instanceof Fault.Restart) {
                return false; // a bare restart trigger is for HTTP or time
            }
            if (t.promptId() != null || t.nodeId() != null || t.atStep() != null) {
                if (binary) {
                    return false;
                }
                if (data[0] == null) {
                    try {
                        data[0] = PythonJson.parse(payload).path("data");
                    } catch (Exception e) {
                        return false;
                    }
                }
                JsonNode d = data[0];
                if (t.promptId() != null && !t.promptId().equals(d.path("prompt_id").asText(null))) {
                    return false;
                }
                if (t.nodeId() != null && !t.nodeId().equals(d.path("node").asText(d.path("node_id").asText(null)))) {
                    return false;
                }
                if (t.atStep() != null && (!"progress".equals(type) || d.path("value").asInt() != t.atStep())) {
                    return false;
                }
            }
            return true;
        }, socket.sid() + " before " + type);
    }

    /**
     * Performs the wire action; returns whether the frame that triggered it should still be sent. Every
     * action goes through the socket's outbound queue, so frames queued before it are delivered first.
     * Frames the fault writes itself are journalled like any other outgoing frame.
     */
    boolean apply(WsFault f, ClientSocket s, byte[] payload, boolean binary) {
        WsAction a = f.action();
        switch (a) {
            case CLOSE_FRAME -> {
                int code = f.closeCode() == null ? 1011 : f.closeCode();
                String reason = f.reason() == null ? "fake-comfyui fault" : f.reason();
                journalOut(s, "close", code + " " + reason);
                s.markStalled(); // nothing queued after the close reaches the wire: neither write nor journal it
                s.then(ch -> ch.writeAndFlush(new CloseWebSocketFrame(code, reason))
                        .addListener(ChannelFutureListener.CLOSE));
                refuse(f, s);
                return false;
            }
            case FIN -> {
                s.markStalled(); // frames queued after the close never go on the wire: neither write nor journal them
                s.then(Channel::close);
                refuse(f, s);
                return false;
            }
            case RST -> {
                s.markStalled();
                s.then(ch -> {
                    ch.config().setOption(ChannelOption.SO_LINGER, 0);
                    ch.close();
                });
                refuse(f, s);
                return false;
            }
            case HALF_CLOSE -> {
                s.markStalled();
                s.then(ch -> {
                    if (ch instanceof DuplexChannel d) {
                        d.shutdownOutput(); // the queue flushed everything before this; nothing is lost
                    }
                });
                refuse(f, s);
                return false;
            }
            case STALL -> {
                s.markStalled();
                s.then(ch -> ch.config().setAutoRead(false)); // pings go unanswered too
                return false;
            }
            case MALFORMED_JSON -> {
                String text = "{\"type\": \"progress\", \"data\": {\"value\": 3, \"max\"";
                journalOut(s, null, text);
                s.send(new TextWebSocketFrame(text));
                return true;
            }
            case UNKNOWN_MESSAGE -> {
                String t = f.messageType() == null ? "fake_unknown_event" : f.messageType();
                String text = "{\"type\": \"" + t + "\", \"data\": {\"value\": \"ignore me\"}}";
                journalOut(s, t, text);
                s.send(new TextWebSocketFrame(text));
                return true;
            }
            case OVERSIZED_FRAME -> {
                int size = f.bytes() == null ? 8 * 1024 * 1024 : f.bytes();
                if ("text".equals(f.messageType())) {
                    byte[] pad = new byte[Math.max(0, size - 120)];
                    Arrays.fill(pad, (byte) 'x');
                    String msg = "{\"type\": \"display_component\", \"data\": {\"node_id\": \"0\", \"component\": "
                            + "\"FakePadding\", \"props\": {\"padding\": \"" + new String(pad, StandardCharsets.US_ASCII)
                            + "\"}}}";
                    journalOut(s, "display_component", "text " + msg.length() + " bytes (oversized fault)");
                    s.send(new TextWebSocketFrame(msg));
                } else {
                    // event type 1 (PREVIEW_IMAGE), format word 2 (PNG), then zeros: big, not a decodable image
                    ByteBuffer b = ByteBuffer.allocate(Math.max(8, size));
                    b.putInt(1);
                    b.putInt(2);
                    journalOut(s, "binary:1", "binary " + b.capacity() + " bytes (oversized fault)");
                    s.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(b.array())));
                }
                return true;
            }
            case INVALID_FRAME -> {
                journalOut(s, "invalid_frame", "raw bytes 83 00: FIN + reserved opcode 3, empty payload");
                // below the frame encoder: FIN + reserved opcode 3, empty payload
                s.send(Unpooled.wrappedBuffer(new byte[] {(byte) 0x83, 0x00}));
                return false;
            }
            default -> {
                return true;
            }
        }
    }

    private void journalOut(ClientSocket s, String type, String text) {
        journal.record(Kind.WS_OUT, s.sid(), null, null, 0, type, text);
    }

    private void refuse(WsFault f, ClientSocket s) {
        if (f.refuseReconnectMs() != null && f.refuseReconnectMs() > 0) {
            refusedUntil.put(s.sid(), System.nanoTime() + time.toRealNanos(f.refuseReconnectMs()));
        }
    }

    /** The status to refuse this upgrade with, or null to accept. Event-loop threads. */
    public Integer refuseUpgrade(String sid) {
        Long until = refusedUntil.get(sid);
        if (until != null) {
            if (System.nanoTime() < until) {
                journal.fault(sid, "ws_refuse_upgrade", "reconnect refused after a drop");
                return 503;
            }
            refusedUntil.remove(sid, until);
        }
        WsRefuseUpgrade r = faults.fireMatching(WsRefuseUpgrade.class, f -> {
            if (f.trigger().clientId() != null && !f.trigger().clientId().equals(sid)) {
                return false;
            }
            return f.forMs() == null || System.nanoTime() < faults.installedAt(f) + time.toRealNanos(f.forMs());
        }, "upgrade of " + sid);
        return r == null ? null : r.status();
    }
}
