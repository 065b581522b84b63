package io.comfyrun.fake.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;

/**
 * When a fault fires. Every non-null field must match; an all-null trigger matches the first
 * opportunity. Fields that make no sense for a fault kind are ignored by it.
 *
 * @param promptId   only for this prompt (execution faults, and WS frames whose data carries it)
 * @param nodeId     only at this node (execution faults; WS frames whose {@code node} matches)
 * @param classType  only at nodes of this class (execution faults)
 * @param clientId   only on the WebSocket of this client id / sid (WS faults)
 * @param onEvent    WS faults: before an outgoing message of this type ({@code "progress"}, {@code "executing"},
 *                   {@code "execution_success"}, {@code "binary:4"}...)
 * @param eventCount WS and HTTP faults: at the Nth matching frame or request (1-based; default 1)
 * @param atStep     at this sampler/trainer step (execution faults; WS {@code progress} frames with this value)
 * @param afterMs    WS/restart faults: at this virtual time after the fault was installed, whatever is sent
 * @param route      HTTP faults: this route without {@code /api} ({@code "/prompt"}, {@code "/history/*"}, {@code "/view"})
 * @param method     HTTP faults: this method
 */
public record Trigger(String promptId, String nodeId, String classType, String clientId, String onEvent,
                      Integer eventCount, Integer atStep, Double afterMs, String route, String method) {

    public static Trigger any() {
        return new Trigger(null, null, null, null, null, null, null, null, null, null);
    }

    public static Trigger atNode(String nodeId) {
        return new Trigger(null, nodeId, null, null, null, null, null, null, null, null);
    }

    public static Trigger atStep(String nodeId, int step) {
        return new Trigger(null, nodeId, null, null, null, null, step, null, null, null);
    }

    /** Before the Nth outgoing WS message of this type (any client unless {@link #forClient}). */
    public static Trigger onEvent(String type, int count) {
        return new Trigger(null, null, null, null, type, count, null, null, null, null);
    }

    public static Trigger afterMs(double virtualMs) {
        return new Trigger(null, null, null, null, null, null, null, virtualMs, null, null);
    }

    public static Trigger onRoute(String method, String route) {
        return new Trigger(null, null, null, null, null, null, null, null, route, method);
    }

    public Trigger forClient(String id) {
        return new Trigger(promptId, nodeId, classType, id, onEvent, eventCount, atStep, afterMs, route, method);
    }

    public Trigger forPrompt(String id) {
        return new Trigger(id, nodeId, classType, clientId, onEvent, eventCount, atStep, afterMs, route, method);
    }

    public Trigger forClass(String cls) {
        return new Trigger(promptId, nodeId, cls, clientId, onEvent, eventCount, atStep, afterMs, route, method);
    }

    public Trigger nth(int count) {
        return new Trigger(promptId, nodeId, classType, clientId, onEvent, count, atStep, afterMs, route, method);
    }

    public int count() {
        return eventCount == null ? 1 : eventCount;
    }

    public boolean matchesNode(String promptId, String nodeId, String classType) {
        return (this.promptId == null || this.promptId.equals(promptId))
                && (this.nodeId == null || this.nodeId.equals(nodeId))
                && (this.classType == null || this.classType.equals(classType));
    }

    /** Route patterns: exact, or ending in {@code /*} for a prefix. */
    public boolean matchesRoute(String method, String route) {
        if (this.method != null && !this.method.equalsIgnoreCase(method)) {
            return false;
        }
        if (this.route == null) {
            return true;
        }
        String r = this.route.startsWith("/api/") ? this.route.substring(4) : this.route;
        if (r.endsWith("/*")) {
            return route.startsWith(r.substring(0, r.length() - 1));
        }
        return r.equals(route);
    }

    /** Every trigger field, by its JSON name. */
    public static final java.util.Set<String> FIELDS = java.util.Set.of("prompt_id", "node_id", "class_type",
            "client_id", "on_event", "event_count", "at_step", "after_ms", "route", "method");

    /** Any trigger field is accepted (each fault kind reads the ones it knows). */
    public static Trigger fromJson(JsonNode n) {
        return fromJson(n, FIELDS, "trigger");
    }

    /**
     * A trigger that may only use {@code allowed} fields: a field outside them is an error naming it, as is a
     * misspelt one ({@code "node"} for {@code "node_id"}), instead of an empty trigger that matches everything.
     */
    public static Trigger fromJson(JsonNode n, java.util.Set<String> allowed, String where) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return any();
        }
        io.comfyrun.fake.json.StrictFields f = io.comfyrun.fake.json.StrictFields.of(n, where, allowed);
        Integer count = f.integer("event_count", 1, Integer.MAX_VALUE);
        Integer step = f.integer("at_step", 0, Integer.MAX_VALUE);
        Double after = f.number("after_ms", 0, Double.MAX_VALUE);
        String method = f.text("method");
        if (method != null && !method.matches("[A-Za-z]+")) {
            throw new IllegalArgumentException("method in " + where + " must be an HTTP method such as GET, got: "
                    + method);
        }
        String route = f.text("route");
        if (route != null && !route.startsWith("/")) {
            throw new IllegalArgumentException("route in " + where + " must start with '/' (e.g. \"/prompt\" or "
                    + "\"/history/*\"), got: " + route);
        }
        return new Trigger(f.text("prompt_id"), f.text("node_id"), f.text("class_type"), f.text("client_id"),
                f.text("on_event"), count, step, after, route, method);
    }

    public ObjectNode toJson() {
        ObjectNode o = PythonJson.object();
        put(o, "prompt_id", promptId);
        put(o, "node_id", nodeId);
        put(o, "class_type", classType);
        put(o, "client_id", clientId);
        put(o, "on_event", onEvent);
        if (eventCount != null) {
            o.put("event_count", eventCount);
        }
        if (atStep != null) {
            o.put("at_step", atStep);
        }
        if (afterMs != null) {
            o.put("after_ms", afterMs);
        }
        put(o, "route", route);
        put(o, "method", method);
        return o;
    }

    private static void put(ObjectNode o, String f, String v) {
        if (v != null) {
            o.put(f, v);
        }
    }
}
