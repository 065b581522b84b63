package io.comfyrun.fake.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.json.StrictFields;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

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

    /** Every fault kind, in the order the docs list them. */
    java.util.List<String> KINDS = java.util.List.of("execution_error", "execution_blocked", "interrupt",
            "history_delay", "restart", "ws_refuse_upgrade", "ws_close_frame", "ws_fin", "ws_rst", "ws_half_close",
            "ws_stall", "ws_malformed_json", "ws_unknown_message", "ws_oversized_frame", "ws_invalid_frame",
            "http_status", "http_delay", "http_reset", "http_empty", "http_truncate");

    private static Set<String> fields(String... kindFields) {
        Set<String> s = new java.util.HashSet<>(Set.of("kind", "trigger", "times"));
        s.addAll(Arrays.asList(kindFields));
        return s;
    }

    /** The trigger fields each kind reads; any other is an error rather than a trigger matching too much. */
    private static Set<String> triggerFields(String kind) {
        if (kind.startsWith("http_")) {
            return Set.of("route", "method", "event_count");
        }
        if (kind.startsWith("ws_") && !kind.equals("ws_refuse_upgrade")) {
            return Set.of("client_id", "on_event", "event_count", "at_step", "prompt_id", "node_id", "after_ms");
        }
        return switch (kind) {
            case "execution_error", "interrupt" -> Set.of("prompt_id", "node_id", "class_type", "at_step",
                    "event_count");
            case "execution_blocked" -> Set.of("prompt_id", "node_id", "class_type", "event_count");
            case "history_delay" -> Set.of("prompt_id", "event_count");
            case "ws_refuse_upgrade" -> Set.of("client_id", "event_count");
            // restart: at an HTTP route, a WS frame or a time
            default -> Set.of("route", "method", "client_id", "on_event", "event_count", "at_step", "prompt_id",
                    "node_id", "after_ms");
        };
    }

    static Fault fromJson(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("a fault must be a JSON object such as {\"kind\": \"http_status\", "
                    + "\"status\": 502}, got: " + n);
        }
        JsonNode k = n.get("kind");
        if (k == null || !k.isTextual() || !KINDS.contains(k.asText())) {
            throw new IllegalArgumentException((k == null ? "a fault needs a \"kind\"" : "unknown fault kind " + k)
                    + "; known kinds: " + String.join(", ", KINDS));
        }
        String kind = k.asText();
        StrictFields f = StrictFields.of(n, "fault " + kind, switch (kind) {
            case "execution_error" -> fields("exception_type", "exception_message");
            case "execution_blocked" -> fields("message");
            case "history_delay" -> fields("delay_ms");
            case "ws_refuse_upgrade" -> fields("status", "for_ms");
            case "ws_close_frame" -> fields("close_code", "reason", "refuse_reconnect_ms");
            case "ws_oversized_frame" -> fields("bytes", "refuse_reconnect_ms");
            case "ws_unknown_message" -> fields("message_type", "refuse_reconnect_ms");
            case "http_status" -> fields("status");
            case "http_delay" -> fields("delay_ms");
            case "http_truncate" -> fields("bytes");
            default -> kind.startsWith("ws_") ? fields("refuse_reconnect_ms") : fields();
        });
        Trigger t = Trigger.fromJson(n.get("trigger"), triggerFields(kind), "the trigger of fault " + kind);
        Integer timesField = f.integer("times");
        if (timesField != null && (timesField == 0 || timesField < -1)) {
            throw new IllegalArgumentException("times in fault " + kind + " must be a positive count or -1 (every "
                    + "match), got: " + timesField);
        }
        int times = timesField == null ? 1 : timesField;
        switch (kind) {
            case "execution_error" -> {
                return new ExecutionError(t, times, f.text("exception_type"), f.text("exception_message"));
            }
            case "execution_blocked" -> {
                return new ExecutionBlocked(t, times, f.text("message"));
            }
            case "interrupt" -> {
                return new Interrupt(t, times);
            }
            case "history_delay" -> {
                Double d = f.number("delay_ms", 0, Double.MAX_VALUE);
                return new HistoryDelay(t, times, d == null ? 1000 : d);
            }
            case "restart" -> {
                return new Restart(t, times);
            }
            case "ws_refuse_upgrade" -> {
                Double forMs = f.number("for_ms", 0, Double.MAX_VALUE);
                // a time window means "every attempt during it" unless times says otherwise
                int upgradeTimes = timesField != null ? times : forMs != null ? -1 : 1;
                Integer status = f.integer("status", 100, 599);
                return new WsRefuseUpgrade(t, upgradeTimes, status == null ? 403 : status, forMs);
            }
            default -> {
                if (kind.startsWith("ws_")) {
                    WsAction a = WsAction.valueOf(kind.substring(3).toUpperCase(Locale.ROOT));
                    return new WsFault(t, times, a, f.integer("close_code", 1000, 4999), f.text("reason"),
                            f.number("refuse_reconnect_ms", 0, Double.MAX_VALUE),
                            f.integer("bytes", 1, Integer.MAX_VALUE), f.text("message_type"));
                }
                HttpAction a = HttpAction.valueOf(kind.substring(5).toUpperCase(Locale.ROOT));
                return new HttpFault(t, times, a, f.integer("status", 100, 599),
                        f.number("delay_ms", 0, Double.MAX_VALUE), f.integer("bytes", 0, Integer.MAX_VALUE));
            }
        }
    }

    private static String text(JsonNode n, String f) {
        return n.hasNonNull(f) ? n.get(f).asText() : null;
    }
}
