package io.comfyrun.fake.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;

/**
 * Overrides how long nodes take. Every non-null match field must match (null = any); every non-null
 * value replaces the default. Later rules win over earlier ones, so put general rules first.
 *
 * <p>JSON: {@code {"class_type": "KSampler", "steps_per_second": 5}},
 * {@code {"prompt_id": "p1", "node_id": "3", "duration_ms": 30000}},
 * {@code {"behaviour": "TRAINER", "steps": 3000, "steps_per_second": 0.4166}}.
 *
 * @param promptId       match this prompt only
 * @param nodeId         match this node id only
 * @param classType      match this node class only
 * @param behaviour      match a catalogue behaviour (LOADER, SAMPLER, VAE, SAVE_IMAGE, TRAINER...)
 * @param durationMs     virtual milliseconds the node takes (for stepping nodes: extra time before step 1)
 * @param stepsPerSecond virtual step rate of sampler and trainer nodes
 * @param steps          replaces the node's own {@code steps} input (e.g. 3,000 training steps)
 */
public record TimingRule(String promptId, String nodeId, String classType, String behaviour, Double durationMs,
                         Double stepsPerSecond, Integer steps) {

    public boolean matches(String promptId, String nodeId, String classType, String behaviour) {
        return (this.promptId == null || this.promptId.equals(promptId))
                && (this.nodeId == null || this.nodeId.equals(nodeId))
                && (this.classType == null || this.classType.equals(classType))
                && (this.behaviour == null || this.behaviour.equalsIgnoreCase(behaviour));
    }

    public static TimingRule forClass(String classType, Double durationMs, Double stepsPerSecond) {
        return new TimingRule(null, null, classType, null, durationMs, stepsPerSecond, null);
    }

    /** The behaviours a rule may name (those of the node catalogue). */
    static final java.util.List<String> BEHAVIOURS = java.util.Arrays.stream(
            io.comfyrun.fake.catalog.NodeBehaviour.values()).map(Enum::name).toList();

    /** Every field of a timing rule, by its JSON name. */
    public static final java.util.Set<String> FIELDS = java.util.Set.of("prompt_id", "node_id", "class_type",
            "behaviour", "duration_ms", "steps_per_second", "steps");

    /** Unknown fields and values of the wrong type are errors naming the field. */
    public static TimingRule fromJson(JsonNode n) {
        io.comfyrun.fake.json.StrictFields f = io.comfyrun.fake.json.StrictFields.of(n, "timing rule", FIELDS);
        String behaviour = f.text("behaviour");
        if (behaviour != null && !BEHAVIOURS.contains(behaviour.toUpperCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("unknown behaviour '" + behaviour + "' in timing rule; known: "
                    + String.join(", ", BEHAVIOURS));
        }
        return new TimingRule(f.text("prompt_id"), f.text("node_id"), f.text("class_type"), behaviour,
                f.number("duration_ms", 0, Double.MAX_VALUE), f.number("steps_per_second", 0, Double.MAX_VALUE),
                f.integer("steps", 0, Integer.MAX_VALUE));
    }

    public ObjectNode toJson() {
        ObjectNode o = PythonJson.object();
        putIf(o, "prompt_id", promptId);
        putIf(o, "node_id", nodeId);
        putIf(o, "class_type", classType);
        putIf(o, "behaviour", behaviour);
        if (durationMs != null) {
            o.put("duration_ms", durationMs);
        }
        if (stepsPerSecond != null) {
            o.put("steps_per_second", stepsPerSecond);
        }
        if (steps != null) {
            o.put("steps", steps);
        }
        return o;
    }

    private static String text(JsonNode n, String f) {
        return n.hasNonNull(f) ? n.get(f).asText() : null;
    }

    private static void putIf(ObjectNode o, String f, String v) {
        if (v != null) {
            o.put(f, v);
        }
    }
}
