package io.comfyrun.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link PromptResult} into plain maps, lists, strings, numbers and booleans: what a Jenkins
 * pipeline step may return (no custom types cross into the CPS sandbox).
 */
public final class ResultMaps {

    private ResultMaps() {
    }

    /** {@link #toPlainMap(PromptResult, String)} with the server URL as its name. */
    public static Map<String, Object> toPlainMap(PromptResult r) {
        return toPlainMap(r, r.server() == null ? "" : r.server().toString());
    }

    /**
     * Keys: {@code status} (outcome label: success, failed, ...), {@code success}, {@code promptId},
     * {@code server}, {@code method}, {@code durationMillis}, {@code nodes} (list of maps: id, class, title,
     * cached, milliseconds), {@code outputs} (list of maps: node, filename, subfolder, type, kind), {@code errors}
     * (list of maps: type, nodeId, classType, title, input, message, details, text).
     */
    public static Map<String, Object> toPlainMap(PromptResult r, String serverName) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", r.outcome().label());
        m.put("success", r.isSuccess());
        m.put("promptId", r.promptId());
        m.put("server", serverName);
        m.put("method", r.method().label());
        m.put("durationMillis", r.duration().toMillis());
        List<Object> nodes = new ArrayList<>();
        for (NodeRun n : r.nodes()) {
            Map<String, Object> nm = new LinkedHashMap<>();
            nm.put("id", n.id());
            nm.put("class", n.classType());
            nm.put("title", n.title());
            nm.put("cached", n.cached());
            nm.put("milliseconds", n.measured() ? n.millis() : null); // null: it ran, nobody timed it (polling)
            nodes.add(nm);
        }
        m.put("nodes", nodes);
        List<Object> outputs = new ArrayList<>();
        for (OutputRef o : r.outputs()) {
            Map<String, Object> om = new LinkedHashMap<>();
            om.put("node", o.nodeId());
            om.put("filename", o.filename());
            om.put("subfolder", o.subfolder());
            om.put("type", o.type());
            om.put("kind", o.kind());
            outputs.add(om);
        }
        m.put("outputs", outputs);
        List<Object> errors = new ArrayList<>();
        for (PromptError e : r.errors()) {
            Map<String, Object> em = new LinkedHashMap<>();
            em.put("type", e.type());
            em.put("nodeId", e.nodeId());
            em.put("classType", e.classType());
            em.put("title", e.title());
            em.put("input", e.input());
            em.put("message", e.message());
            em.put("details", e.details());
            em.put("text", e.describe());
            errors.add(em);
        }
        m.put("errors", errors);
        return m;
    }
}
