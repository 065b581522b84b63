package io.comfyrun.client.workflow.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A legacy group node's definition ({@code extra.groupNodes[name]}), laid out as the editor lays it out: inner node
 * {@code i} runs as {@code <group id>:<i>}; the group's inputs are, inner node by inner node, each socket input not
 * fed from inside the group; its outputs, each inner output not used only inside the group; its widget values,
 * inner node by inner node, each inner widget's slots.
 *
 * <p>Only what every group node has is supported. Inner {@code PrimitiveNode}s and {@code Reroute}s, widgets
 * converted to inputs and customised (renamed or hidden) slots change that layout; they are refused by name.
 */
final class GroupNodeDefinition {

    /** Where a group slot leads: inner node {@code index}, its slot {@code slot}. */
    record InnerSlot(int index, int slot) {
    }

    final String name;
    final List<JsonNode> nodes = new ArrayList<>();
    final List<NodeClass> classes = new ArrayList<>();
    /** (inner target index, target slot) to (inner origin index, origin slot). */
    private final Map<InnerSlot, InnerSlot> internal = new HashMap<>();
    /** (inner origin index, origin slot) used inside the group. */
    private final Set<InnerSlot> usedInside = new HashSet<>();
    /** (inner origin index, origin slot) used outside the group too. */
    private final Set<InnerSlot> external = new HashSet<>();
    /** (inner index, inner input slot) to group input index. */
    private final Map<InnerSlot, Integer> inputs = new HashMap<>();
    /** Group output index to (inner index, inner output slot). */
    private final List<InnerSlot> outputs = new ArrayList<>();

    /**
     * @param unsupported called with the reason when the definition uses something outside the supported layout
     * @param classOf     the catalogue class of an inner node type, or throws for an unknown one
     */
    GroupNodeDefinition(String name, JsonNode def, java.util.function.Function<String, RuntimeException> unsupported,
                        java.util.function.Function<String, NodeClass> classOf) {
        this.name = name;
        if (def.path("config").isObject() && !def.path("config").isEmpty()) {
            throw unsupported.apply("customises the inputs or outputs of its group (extra.groupNodes." + name + ".config)");
        }
        for (JsonNode n : def.path("nodes")) {
            String type = n.path("type").asText("");
            if ("PrimitiveNode".equals(type) || "Reroute".equals(type)) {
                throw unsupported.apply("holds a " + type + " inside its group");
            }
            for (JsonNode in : n.path("inputs")) {
                if (in.has("widget")) {
                    throw unsupported.apply("holds a widget converted to an input ('" + in.path("name").asText()
                            + "' of " + type + ") inside its group");
                }
            }
            nodes.add(n);
            classes.add(classOf.apply(type));
        }
        for (JsonNode l : def.path("links")) {
            if (l.isArray() && l.size() >= 4 && !l.get(0).isNull()) {
                InnerSlot from = new InnerSlot(l.get(0).asInt(), l.get(1).asInt());
                internal.put(new InnerSlot(l.get(2).asInt(), l.get(3).asInt()), from);
                usedInside.add(from);
            }
        }
        for (JsonNode x : def.path("external")) {
            external.add(new InnerSlot(x.path(0).asInt(), x.path(1).asInt()));
        }
        int next = 0;
        for (int i = 0; i < nodes.size(); i++) {
            for (int s = 0; s < classes.get(i).sockets().size(); s++) {
                if (!internal.containsKey(new InnerSlot(i, s))) {
                    inputs.put(new InnerSlot(i, s), next++);
                }
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            for (int o = 0; o < classes.get(i).outputs(); o++) {
                InnerSlot out = new InnerSlot(i, o);
                if (!usedInside.contains(out) || external.contains(out)) {
                    outputs.add(out);
                }
            }
        }
    }

    /** The inner output feeding inner node {@code index}'s input {@code slot}, if it is fed from inside. */
    InnerSlot internalSource(int index, int slot) {
        return internal.get(new InnerSlot(index, slot));
    }

    /** The group input that feeds inner node {@code index}'s input {@code slot}, or null. */
    Integer groupInput(int index, int slot) {
        return inputs.get(new InnerSlot(index, slot));
    }

    /** The inner output behind group output {@code slot}, or null. */
    InnerSlot groupOutput(int slot) {
        return slot >= 0 && slot < outputs.size() ? outputs.get(slot) : null;
    }

    int inputCount() {
        return inputs.size();
    }

    int outputCount() {
        return outputs.size();
    }

    int widgetSlots() {
        return classes.stream().mapToInt(NodeClass::widgetSlots).sum();
    }

    /**
     * Inner node {@code index} as saved in the definition, with its widget values taken from the group node's own
     * {@code widgets_values} (the group's current values) when it has them.
     */
    ObjectNode innerNode(int index, JsonNode groupValues) {
        ObjectNode n = nodes.get(index).deepCopy();
        if (groupValues != null && groupValues.isArray() && !groupValues.isEmpty()) {
            int start = 0;
            for (int i = 0; i < index; i++) {
                start += classes.get(i).widgetSlots();
            }
            ArrayNode mine = Json.MAPPER.createArrayNode();
            for (int k = 0; k < classes.get(index).widgetSlots(); k++) {
                mine.add(groupValues.get(start + k).deepCopy());
            }
            n.set("widgets_values", mine);
        }
        return n;
    }
}
