package io.comfyrun.fake.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;
import java.util.Locale;

/**
 * Something that goes wrong, once or N times ({@code times}; -1 = every time the trigger matches).
 * JSON form: {@code {"kind": "<kind>", "trigger": {...}, "times": 1, ...kind fields}}.
 */
public sealed interface Fault {

    Trigger trigger();

    int times();

    String kind();

    ObjectNode toJson();

    // ------------------------------------------------------------------ execution

    /** A runtime {@code execution_error} at a node (at its start, or at {@code trigger.at_step}); terminal. */
    record ExecutionError(Trigger trigger, int times, String exceptionType, String exceptionMessage) implements Fault {
        public ExecutionError {
            exceptionType = exceptionType == null ? "RuntimeException" : exceptionType;
            exceptionMessage = exceptionMessage == null ? "injected by fake-comfyui" : exceptionMessage;
        }

        public String kind() {
            return "execution_error";
        }

        public ObjectNode toJson() {
            ObjectNode o = base(this);
            o.put("exception_type", exceptionType);
            o.put("exception_message", exceptionMessage);
            return o;
        }
    }

    /** The non-terminal ExecutionBlocked {@code execution_error} (no timestamp, not in history). */
    record ExecutionBlocked(Trigger trigger, int times, String message) implements Fault {
        public ExecutionBlocked {
            message = message == null ? "blocked by fake-comfyui" : message;
        }

        public String kind() {
            return "execution_blocked";
        }

        public ObjectNode toJson() {
            ObjectNode o = base(this);
            o.put("message", message);
            return o;
        }
    }

    /** Raises the interrupt flag at a node or step, as if POST /interrupt arrived then. */
    record Interrupt(Trigger trigger, int times) implements Fault {
        public String kind() {
            return "interrupt";
        }

        public ObjectNode toJson() {
            return base(this);
        }
    }

    /** Holds the history write after the terminal message for {@code delayMs} (virtual). */
    record HistoryDelay(Trigger trigger, int times, double delayMs) implements Fault {
        public String kind() {
            return "history_delay";
        }

        public ObjectNode toJson() {
            ObjectNode o = base(this);
            o.put("delay_ms", delayMs);
            return o;
        }
    }

    /** A server restart: queue, history and cache lost, every connection dropped, same port. */
    record Restart(Trigger trigger, int times) implements Fault {
        public String kind() {
            return "restart";
        }

        public ObjectNode toJson() {
            return base(this);
        }
    }

    // ------------------------------------------------------------------ WebSocket transport

    /** What happens on the wire of one WebSocket. */
    enum WsAction {
        /** A Close frame (code, reason), then TCP close. */
        CLOSE_FRAME,
        /** TCP FIN without a Close frame. */
        FIN,
        /** TCP reset: SO_LINGER 0 then close. */
        RST,
        /** Output shut down (FIN on the write side), socket kept half-open. */
        HALF_CLOSE,
        /** Socket stays open; nothing more is sent on it, pings are no longer answered. */
        STALL,
        /** A text frame that is not JSON. */
        MALFORMED_JSON,
        /** A well-formed message of a type clients do not know. */
        UNKNOWN_MESSAGE,
        /** A huge text frame ({@code bytes}, default 8 MiB) of a valid message. */
        OVERSIZED_FRAME,
        /** Bytes that break the WebSocket framing (reserved opcode). */
        INVALID_FRAME
    }

    /**
     * A WebSocket transport fault fired before the matching outgoing frame (which is then not sent,
     * for the closing actions) or at {@code trigger.after_ms}. {@code refuseReconnectMs} refuses new
     * upgrades of that client for that long (virtual) after a drop.
     */
    record WsFault(Trigger trigger, int times, WsAction action, Integer closeCode, String reason,
                   Double refuseReconnectMs, Integer bytes, String messageType) implements Fault {
        public String kind() {
            return "ws_" + action.name().toLowerCase(Locale.ROOT);
        }

        public ObjectNode toJson() {
            ObjectNode o = base(this);
            if (closeCode != null) {
                o.put("close_code", closeCode);
            }
            if (reason != null) {
                o.put("reason", reason);
            }
            if (refuseReconnectMs != null) {
                o.put("refuse_reconnect_ms", refuseReconnectMs);
            }
            if (bytes != null) {
                o.put("bytes", bytes);
            }
            if (messageType != null) {
                o.put("message_type", messageType);
            }
            return o;
        }
    }

    /** WebSocket upgrades are refused with {@code status} (HTTP keeps working), N times or for a while. */
    record WsRefuseUpgrade(Trigger trigger, int times, int status, Double forMs) implements Fault {
        public String kind() {
            return "ws_refuse_upgrade";
        }

        public ObjectNode toJson() {
            ObjectNode o = base(this);
            o.put("status", status);
            if (forMs != null) {
                o.put("for_ms", forMs);
            }
            return o;
        }
    }

    // ------------------------------------------------------------------ HTTP

    enum HttpAction {
        /** Answer with {@code status} and an aiohttp-like text body instead of the real answer. */
        STATUS,
        /** The real answer after {@code delay_ms} (virtual). */
        DELAY,
        /** TCP reset instead of an answer. */
        RESET,
        /** Connection closed with no answer at all. */
        EMPTY,
        /** Headers and only {@code bytes} of the real body, then close. */
        TRUNCATE
    }

    /** A fault on HTTP requests matching {@code trigger.route}/{@code method}, at the Nth match. */
    record HttpFault(Trigger trigger, int times, HttpAction action, Integer status, Double delayMs, Integer bytes)
            implements Fault {
        public String kind() {
            return "http_" + action.name().toLowerCase(Locale.ROOT);
        }

        public ObjectNode toJson() {
            ObjectNode o = base(this);
            if (status != null) {
                o.put("status", status);
            }
            if (delayMs != null) {
                o.put("delay_ms", delayMs);
            }
            if (bytes != null) {
                o.put("bytes", bytes);
            }
            return o;
        }
    }

    // ------------------------------------------------------------------ JSON

    private static ObjectNode base(Fault f) {
        ObjectNode o = PythonJson.object();
        o.put("kind", f.kind());
        o.set("trigger", f.trigger().toJson());
        o.put("times", f.times());
        return o;
    }

    static Fault fromJson(JsonNode n) {
        String kind = n.path("kind").asText("");
        Trigger t = Trigger.fromJson(n.get("trigger"));
        int times = n.path("times").asInt(1);
        switch (kind) {
            case "execution_error" -> {
                return new ExecutionError(t, times, text(n, "exception_type"), text(n, "exception_message"));
            }
            case "execution_blocked" -> {
                return new ExecutionBlocked(t, times, text(n, "message"));
            }
            case "interrupt" -> {
                return new Interrupt(t, times);
            }
            case "history_delay" -> {
                return new HistoryDelay(t, times, n.path("delay_ms").asDouble(1000));
            }
            case "restart" -> {
                return new Restart(t, times);
            }
            case "ws_refuse_upgrade" -> {
                // a time window means "every attempt during it" unless times says otherwise
                int upgradeTimes = n.has("times") ? times : n.hasNonNull("for_ms") ? -1 : 1;
                return new WsRefuseUpgrade(t, upgradeTimes, n.path("status").asInt(403),
                        n.hasNonNull("for_ms") ? n.get("for_ms").asDouble() : null);
            }
            default -> {
                if (kind.startsWith("ws_")) {
                    WsAction a = enumOf(WsAction.class, kind.substring(3), kind);
                    return new WsFault(t, times, a, n.hasNonNull("close_code") ? n.get("close_code").asInt() : null,
                            text(n, "reason"),
                            n.hasNonNull("refuse_reconnect_ms") ? n.get("refuse_reconnect_ms").asDouble() : null,
                            n.hasNonNull("bytes") ? n.get("bytes").asInt() : null, text(n, "message_type"));
                }
                if (kind.startsWith("http_")) {
                    HttpAction a = enumOf(HttpAction.class, kind.substring(5), kind);
                    return new HttpFault(t, times, a, n.hasNonNull("status") ? n.get("status").asInt() : null,
                            n.hasNonNull("delay_ms") ? n.get("delay_ms").asDouble() : null,
                            n.hasNonNull("bytes") ? n.get("bytes").asInt() : null);
                }
                throw new IllegalArgumentException("unknown fault kind '" + kind + "'; known: execution_error, "
                        + "execution_blocked, interrupt, history_delay, restart, ws_refuse_upgrade, ws_close_frame, "
                        + "ws_fin, ws_rst, ws_half_close, ws_stall, ws_malformed_json, ws_unknown_message, "
                        + "ws_oversized_frame, ws_invalid_frame, http_status, http_delay, http_reset, http_empty, "
                        + "http_truncate");
            }
        }
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String name, String kind) {
        try {
            return Enum.valueOf(type, name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown fault kind '" + kind + "'", e);
        }
    }

    private static String text(JsonNode n, String f) {
        return n.hasNonNull(f) ? n.get(f).asText() : null;
    }
}
