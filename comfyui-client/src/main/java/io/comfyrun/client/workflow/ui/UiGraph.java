package io.comfyrun.client.workflow.ui;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One graph level of a UI-format workflow, read as the editor reads it: the root graph, or the definition of a
 * subgraph (then {@link #instance} is the node that places it). Links come as the editor saves them, arrays
 * {@code [id, origin_id, origin_slot, target_id, target_slot, type]} at the root of older files and objects
 * {@code {"id", "origin_id", ...}} in subgraph definitions and newer files; both are accepted.
 */
final class UiGraph {

    /** The editor's id of a subgraph's input node: links from it come from the instance's inputs. */
    static final String SUBGRAPH_INPUT_NODE = "-10";
    /** The editor's id of a subgraph's output node. */
    static final String SUBGRAPH_OUTPUT_NODE = "-20";

    record Link(long id, String originId, int originSlot, String targetId, int targetSlot, String type) {
    }

    /** Input slot of a saved node: its name, type, link id (or null) and, for a widget input, the widget's name. */
    record Slot(String name, String type, Long linkId, String widgetName) {
    }

    final JsonNode definition;
    final List<JsonNode> nodes;
    final Map<String, JsonNode> nodesById = new LinkedHashMap<>();
    final Map<Long, Link> links = new LinkedHashMap<>();
    /** The subgraph instance this level belongs to, or null for the root graph. */
    final UiConverter.Exec instance;
    /** Execution-id prefix of nodes in this level: {@code ""} at the root, {@code "5:"} inside instance 5. */
    final String prefix;

    UiGraph(JsonNode definition, UiConverter.Exec instance, String prefix, String source) {
        this.definition = definition;
        this.instance = instance;
        this.prefix = prefix;
        List<JsonNode> list = new ArrayList<>();
        definition.path("nodes").forEach(list::add);
        // the editor serialises in execution order: "order" is that position, the array order is only how it was saved
        list.sort(Comparator.comparingLong(n -> n.path("order").asLong(Long.MAX_VALUE)));
        this.nodes = List.copyOf(list);
        for (JsonNode n : nodes) {
            nodesById.put(n.path("id").asText(), n);
        }
        for (JsonNode l : definition.path("links")) {
            Link link = parseLink(l, source);
            if (link != null) {
                links.put(link.id(), link);
            }
        }
    }

    private static Link parseLink(JsonNode l, String source) {
        if (l.isArray() && l.size() >= 5) {
            return new Link(l.get(0).asLong(), l.get(1).asText(), l.get(2).asInt(), l.get(3).asText(), l.get(4).asInt(),
                    l.path(5).asText(""));
        }
        if (l.isObject() && l.has("id")) {
            return new Link(l.get("id").asLong(), l.path("origin_id").asText(), l.path("origin_slot").asInt(),
                    l.path("target_id").asText(), l.path("target_slot").asInt(), l.path("type").asText(""));
        }
        if (l.isNull()) {
            return null; // the editor leaves nulls where links were deleted in some versions
        }
        throw new UiConversionException(source + ": a link must be [id, origin_id, origin_slot, target_id, target_slot, type]"
                + " or an object with those fields, found " + l, null, null, null);
    }

    static List<Slot> inputs(JsonNode node) {
        List<Slot> slots = new ArrayList<>();
        for (JsonNode in : node.path("inputs")) {
            JsonNode link = in.get("link");
            JsonNode widget = in.path("widget").path("name");
            slots.add(new Slot(in.path("name").asText(), in.path("type").asText(""),
                    link == null || link.isNull() ? null : link.asLong(), widget.isTextual() ? widget.asText() : null));
        }
        return slots;
    }

    static String outputType(JsonNode node, int slot) {
        JsonNode out = node.path("outputs").path(slot);
        return out.path("type").asText("");
    }
}
