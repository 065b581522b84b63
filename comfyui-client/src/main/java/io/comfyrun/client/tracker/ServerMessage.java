package io.comfyrun.client.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.http.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One WebSocket text frame from ComfyUI, parsed leniently (numbers may be int or float, ids are opaque strings,
 * {@code prompt_id} may be missing, unknown types are kept as {@link Other}).
 */
public sealed interface ServerMessage {

    /** The prompt this message is about, or {@code null} (status, bare reconnect executing, unknown types). */
    default String promptId() {
        return null;
    }

    record Status(int queueRemaining, String sid) implements ServerMessage {
    }

    record ExecutionStart(String promptId) implements ServerMessage {
    }

    record ExecutionCached(String promptId, List<String> nodes) implements ServerMessage {
    }

    /** {@code node == null} is the end marker; {@code promptId == null} is the bare resend after a reconnect. */
    record Executing(String promptId, String node) implements ServerMessage {
    }

    record Progress(String promptId, String node, int value, int max) implements ServerMessage {
    }

    record ProgressState(String promptId, Map<String, NodeEntry> nodes) implements ServerMessage {
        /** One node's entry; {@code state} is parsed here, once, from the server's string. */
        public record NodeEntry(State state, double value, double max) {

            /** ComfyUI's node states in {@code progress_state}; anything else reads as {@link #UNKNOWN}. */
            public enum State {
                PENDING, RUNNING, FINISHED, ERROR, UNKNOWN;

                static State of(String s) {
                    switch (s) {
                        case "pending":
                            return PENDING;
                        case "running":
                            return RUNNING;
                        case "finished":
                            return FINISHED;
                        case "error":
                            return ERROR;
                        default:
                            return UNKNOWN;
                    }
                }
            }
        }
    }

    record Executed(String promptId, String node, JsonNode output) implements ServerMessage {
    }

    record ExecutionSuccess(String promptId) implements ServerMessage {
    }

    /** {@code terminal} iff the message carries a timestamp (ExecutionBlocked errors do not, and are not terminal). */
    record ExecutionError(String promptId, String nodeId, String nodeType, String exceptionType, String message,
                          List<String> traceback, boolean terminal) implements ServerMessage {
    }

    record ExecutionInterrupted(String promptId, String nodeId, String nodeType) implements ServerMessage {
    }

    record Other(String type) implements ServerMessage {
    }

    /** Parses a text frame; never throws (a malformed frame becomes {@code Other("invalid")}). */
    static ServerMessage parse(String text) {
        JsonNode root = Json.parseLenient(text);
        String type = Json.text(root, "type");
        JsonNode d = root.path("data");
        if (type == null) {
            return new Other("invalid");
        }
        String pid = Json.text(d, "prompt_id");
        switch (type) {
            case "status":
                return new Status(d.path("status").path("exec_info").path("queue_remaining").asInt(), Json.text(d, "sid"));
            case "execution_start":
                return new ExecutionStart(pid);
            case "execution_cached":
                return new ExecutionCached(pid, strings(d.path("nodes")));
            case "executing":
                return new Executing(pid, Json.text(d, "node"));
            case "progress":
                return new Progress(pid, Json.text(d, "node"), (int) d.path("value").asDouble(), (int) d.path("max").asDouble());
            case "progress_state": {
                Map<String, ProgressState.NodeEntry> nodes = new java.util.LinkedHashMap<>();
                d.path("nodes").fields().forEachRemaining(e -> nodes.put(e.getKey(), new ProgressState.NodeEntry(
                        ProgressState.NodeEntry.State.of(e.getValue().path("state").asText("")),
                        e.getValue().path("value").asDouble(), e.getValue().path("max").asDouble())));
                return new ProgressState(pid, nodes);
            }
            case "executed":
                return new Executed(pid, Json.text(d, "node"), d.get("output"));
            case "execution_success":
                return new ExecutionSuccess(pid);
            case "execution_error":
                return new ExecutionError(pid, Json.text(d, "node_id"), Json.text(d, "node_type"),
                        Json.text(d, "exception_type"), Json.text(d, "exception_message"), strings(d.path("traceback")),
                        d.hasNonNull("timestamp"));
            case "execution_interrupted":
                return new ExecutionInterrupted(pid, Json.text(d, "node_id"), Json.text(d, "node_type"));
            default:
                return new Other(type);
        }
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>(arr.size());
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }
}
