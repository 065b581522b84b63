package io.comfyrun.client.workflow.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Converts a UI-format workflow (the editor's Save) into the API prompt the editor itself would post for it,
 * using a server's node catalogue for the widget names the file does not store.
 *
 * <p>The rules are the editor's ({@code graphToPrompt} and its executable-node resolution):
 * <ul>
 *   <li>{@code widgets_values} fill the class's widget inputs in order, required then optional; a seed-like INT
 *       with a "control after generate" companion and an upload combo take two slots; values stored as an object
 *       (newer editors) are matched by name; a value that is itself a list is sent as {@code {"__value__": [...]}}.</li>
 *   <li>A linked input becomes {@code [origin_id, origin_slot]}, also for a widget converted to an input (the link
 *       wins over the stored value). {@code Reroute}s are followed to their origin; a {@code PrimitiveNode}'s value
 *       is written into every input it feeds.</li>
 *   <li>Muted nodes (mode 2) are left out, and with them every input they fed. A bypassed node (mode 4) hands the
 *       consumer its input of the same slot when the types fit, else its first input of the consumer's type.</li>
 *   <li>{@code Note}, {@code MarkdownNote} and the other frontend-only nodes are left out.</li>
 *   <li>Subgraph instances are expanded: inner nodes get the ids the editor uses ({@code <instance>:<inner>},
 *       nested as {@code 5:7:3}); links through the subgraph's inputs and outputs are followed.</li>
 *   <li>Legacy group nodes ({@code extra.groupNodes}) are expanded the same way: inner node {@code i} runs as
 *       {@code <group id>:<i>} (see {@link GroupNodeDefinition} for the layout and what it refuses).</li>
 *   <li>{@code _meta.title} is the node's title, or the class's display name when it has none (as the editor).</li>
 * </ul>
 * Nothing is guessed: a class the catalogue lacks, a widget count that does not fit, a link that points nowhere, a
 * group node beyond the supported layout, each is a {@link UiConversionException} naming the node.
 *
 * <pre>{@code
 * ConvertedWorkflow c = UiConverter.convert(uiTree, NodeCatalogue.load(Path.of("object_info.json")), "txt2img.json");
 * c.prompt();      // POST /prompt "prompt"
 * c.extraData();   // POST /prompt "extra_data"
 * }</pre>
 */
public final class UiConverter {

    private static final int MODE_MUTED = 2;
    private static final int MODE_BYPASSED = 4;
    /** Nodes that live only in the editor; they never reach the server. */
    private static final Set<String> CONTROL_MODES = Set.of("fixed", "increment", "decrement", "randomize");
    private static final Set<String> FRONTEND_ONLY = Set.of("Note", "MarkdownNote", "Reroute", "PrimitiveNode");

    /** One node as the editor flattens it for execution: its execution id, its saved form and where it lives. */
    static final class Exec {
        final String id;
        final JsonNode node;
        final UiGraph graph;
        final String type;
        final int mode;
        final List<UiGraph.Slot> inputs;
        /** For a subgraph instance: the graph inside it. */
        UiGraph inner;
        /** For a legacy group node: its definition; for a node inside one: the group node and its index there. */
        GroupNodeDefinition group;
        Exec groupOwner;
        int groupIndex;
        /** Muted or bypassed itself, or inside an instance that is. */
        boolean switchedOff;

        Exec(String id, JsonNode node, UiGraph graph) {
            this.id = id;
            this.node = node;
            this.graph = graph;
            this.type = node.path("type").asText("");
            this.mode = node.path("mode").asInt(0);
            this.inputs = UiGraph.inputs(node);
        }

        String title() {
            JsonNode t = node.get("title");
            return t != null && t.isTextual() ? t.asText() : null;
        }
    }

    /** Where an input resolves to: a link to a real node's output, or a value (a PrimitiveNode's, a promoted widget's). */
    private record Resolved(String originId, int originSlot, JsonNode value) {
    }

    private final JsonNode root;
    private final NodeCatalogue catalogue;
    private final String source;
    private final Map<String, JsonNode> subgraphs = new LinkedHashMap<>();
    private final Map<String, Exec> execs = new LinkedHashMap<>();

    private UiConverter(JsonNode root, NodeCatalogue catalogue, String source) {
        this.root = root;
        this.catalogue = catalogue;
        this.source = source;
        for (JsonNode sg : root.path("definitions").path("subgraphs")) {
            subgraphs.put(sg.path("id").asText(), sg);
        }
    }

    /**
     * Converts {@code ui} (a UI-format workflow tree) with {@code catalogue}; {@code source} (a file name) is named
     * in every error.
     */
    public static ConvertedWorkflow convert(JsonNode ui, NodeCatalogue catalogue, String source) {
        Objects.requireNonNull(ui, "ui");
        Objects.requireNonNull(catalogue, "catalogue");
        if (WorkflowFormat.detect(ui) != WorkflowFormat.UI) {
            throw new UiConversionException(source + ": not a UI-format workflow (no top-level \"nodes\" and \"links\")",
                    null, null, null);
        }
        UiConverter c = new UiConverter(ui, catalogue, source);
        ObjectNode prompt = c.run();
        return new ConvertedWorkflow(prompt, ((ObjectNode) ui).deepCopy(), catalogue.source());
    }

    private ObjectNode run() {
        flatten(new UiGraph(root, null, "", source), false, 0);
        ObjectNode out = Json.MAPPER.createObjectNode();
        for (Exec e : execs.values()) {
            if (e.switchedOff || isFrontendOnly(e)) {
                continue;
            }
            out.set(e.id, emit(e));
        }
        // as the editor: an input fed by a node that is not sent (muted, or a dead end) is dropped
        for (JsonNode node : out) {
            Iterator<Map.Entry<String, JsonNode>> it = node.get("inputs").fields();
            while (it.hasNext()) {
                JsonNode v = it.next().getValue();
                if (v.isArray() && v.size() == 2 && !out.has(v.get(0).asText())) {
                    it.remove();
                }
            }
        }
        if (out.isEmpty()) {
            throw new UiConversionException(source + ": the UI-format workflow has no node the server would run"
                    + " (all are notes, reroutes, muted or bypassed)", null, null, null);
        }
        return out;
    }

    private void flatten(UiGraph graph, boolean off, int depth) {
        if (depth > 32) {
            throw new UiConversionException(source + ": subgraphs are nested more than 32 deep (a subgraph that"
                    + " contains itself?)", null, null, null);
        }
        for (JsonNode n : graph.nodes) {
            Exec e = new Exec(graph.prefix + n.path("id").asText(), n, graph);
            e.switchedOff = off || e.mode == MODE_MUTED || e.mode == MODE_BYPASSED;
            execs.put(e.id, e);
            if (e.type.startsWith("workflow>") || e.type.startsWith("workflow/")) {
                expandGroupNode(e);
                continue;
            }
            JsonNode def = subgraphs.get(e.type);
            if (def != null) {
                e.inner = new UiGraph(def, e, e.id + ":", source);
                flatten(e.inner, e.switchedOff || e.mode == MODE_MUTED, depth + 1);
            }
        }
    }

    /** A legacy group node: its inner nodes run as {@code <id>:<index>}, as the editor sends them. */
    private void expandGroupNode(Exec e) {
        String name = e.type.substring("workflow>".length());
        JsonNode def = root.path("extra").path("groupNodes").get(name);
        if (def == null || !def.isObject()) {
            throw error(e, "is a group node whose definition \"" + name + "\" is not in the workflow's extra.groupNodes;"
                    + " save the workflow again from the editor");
        }
        e.group = new GroupNodeDefinition(name, def,
                why -> error(e, "is a legacy group node that " + why + ", which comfyRun does not expand; in the editor"
                        + " right-click it and choose Convert to Subgraph (or Ungroup), then save again"),
                type -> catalogue.find(type).orElseThrow(() -> new UnknownNodeClassException(describe(e) + " holds a "
                        + type + " node, which is not installed on " + catalogue.source() + " (its /object_info has no class \""
                        + type + "\"); install the custom node there, or run on a server that has it", e.id, e.title(), type)));
        if (e.inputs.size() != e.group.inputCount() || e.node.path("outputs").size() != e.group.outputCount()) {
            throw error(e, "has " + e.inputs.size() + " inputs and " + e.node.path("outputs").size() + " outputs but its"
                    + " group \"" + name + "\" lays out " + e.group.inputCount() + " and " + e.group.outputCount()
                    + " with the classes on " + catalogue.source() + "; open and save the workflow in an editor connected"
                    + " to that server");
        }
        JsonNode values = e.node.get("widgets_values");
        int expected = e.group.widgetSlots();
        if (values != null && values.isArray() && !values.isEmpty() && values.size() != expected) {
            throw mismatch(e, "has " + values.size() + " widget values but the " + e.group.nodes.size() + " nodes of its"
                    + " group declare " + expected + " on " + catalogue.source() + "; open and save the workflow in an"
                    + " editor connected to that server");
        }
        for (int i = 0; i < e.group.nodes.size(); i++) {
            Exec member = new Exec(e.id + ":" + i, e.group.innerNode(i, values), e.graph);
            member.groupOwner = e;
            member.groupIndex = i;
            member.switchedOff = e.switchedOff || member.mode == MODE_MUTED || member.mode == MODE_BYPASSED;
            execs.put(member.id, member);
        }
    }

    private boolean isFrontendOnly(Exec e) {
        return FRONTEND_ONLY.contains(e.type) || e.inner != null || e.group != null;
    }

    private ObjectNode emit(Exec e) {
        NodeClass cls = catalogue.find(e.type).orElseThrow(() -> new UnknownNodeClassException(describe(e)
                + " is not installed on " + catalogue.source() + " (its /object_info has no class \"" + e.type
                + "\"); install the custom node there, or run on a server that has it", e.id, e.title(), e.type));
        ObjectNode inputs = Json.MAPPER.createObjectNode();
        widgetValues(e, cls, inputs);
        for (int i = 0; i < e.inputs.size(); i++) {
            Resolved r = resolveInput(e, i, null, new HashSet<>());
            if (r == null) {
                continue;
            }
            String name = e.inputs.get(i).name();
            if (r.value() != null) {
                inputs.set(name, wrap(r.value()));
            } else {
                inputs.putArray(name).add(r.originId()).add(r.originSlot());
            }
        }
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.set("inputs", inputs);
        node.put("class_type", e.type);
        node.putObject("_meta").put("title", e.title() != null ? e.title() : cls.displayName());
        return node;
    }

    private void widgetValues(Exec e, NodeClass cls, ObjectNode inputs) {
        JsonNode values = e.node.get("widgets_values");
        if (values != null && values.isObject()) {
            for (NodeClass.Widget w : cls.widgets()) {
                JsonNode v = values.get(w.name());
                if (v != null) {
                    inputs.set(w.name(), wrap(v));
                } else {
                    inputs.set(w.name(), defaultOf(e, cls, w, "its widgets_values object has no \"" + w.name() + "\""));
                }
            }
            return;
        }
        int size = values != null && values.isArray() ? values.size() : 0;
        int slot = 0;
        for (NodeClass.Widget w : cls.widgets()) {
            if (slot < size) {
                checkLinedUp(e, w, values, slot);
                inputs.set(w.name(), wrap(values.get(slot)));
            } else {
                // an older save of a class that has since gained widgets: the editor gives them their defaults
                inputs.set(w.name(), defaultOf(e, cls, w, "it saved " + size + " widget values"));
            }
            slot += w.slots();
        }
        if (size > slot) {
            throw mismatch(e, "has " + size + " widget values but class " + e.type + " on " + catalogue.source()
                    + " declares " + slot + " (" + widgetList(cls) + "); the node was saved with a different version of"
                    + " it: open and save the workflow in an editor connected to that server");
        }
    }

    /**
     * Catches values that do not line up with the catalogue's widgets although their count fits (a save from a build
     * that declared other widgets): a number where a number belongs, a boolean for a BOOLEAN, and the editor's own
     * keywords in a control-after-generate slot. The server would otherwise get a shifted prompt.
     */
    private void checkLinedUp(Exec e, NodeClass.Widget w, JsonNode values, int slot) {
        JsonNode v = values.get(slot);
        boolean fits = v.isNull() || switch (w.type()) {
            case "INT", "FLOAT" -> v.isNumber();
            case "BOOLEAN" -> v.isBoolean();
            case "COMBO" -> v.isTextual() || v.isNumber();
            default -> !v.isContainerNode() || v.isArray();
        };
        String companion = null;
        if (fits && w.controlAfterGenerate() && slot + 1 < values.size()) {
            JsonNode c = values.get(slot + 1);
            if (!(c.isTextual() && CONTROL_MODES.contains(c.asText()))) {
                companion = c.toString();
            }
        }
        if (!fits || companion != null) {
            String found = !fits ? v.toString() + " for widget '" + w.name() + "' (" + w.type() + ")"
                    : companion + " where the editor keeps the control-after-generate mode of '" + w.name()
                    + "' (fixed, increment, decrement or randomize)";
            throw mismatch(e, "has widget values that do not line up with class " + e.type + " on " + catalogue.source()
                    + ": value " + (slot + (fits ? 1 : 0)) + " is " + found + "; expected widgets: " + widgetList(findClass(e))
                    + "; open and save the workflow in an editor connected to that server");
        }
    }

    private NodeClass findClass(Exec e) {
        return catalogue.find(e.type).orElseThrow();
    }

    private JsonNode defaultOf(Exec e, NodeClass cls, NodeClass.Widget w, String why) {
        return w.defaultValue().<JsonNode>map(JsonNode::deepCopy).orElseThrow(() -> mismatch(e, "has no value for widget '"
                + w.name() + "' (" + why + ") and class " + e.type + " on " + catalogue.source()
                + " declares no default; expected widgets: " + widgetList(cls)));
    }

    private static String widgetList(NodeClass cls) {
        List<String> names = new ArrayList<>();
        for (NodeClass.Widget w : cls.widgets()) {
            names.add(w.slots() > 1 ? w.name() + " (+" + (w.slots() - 1) + " companion)" : w.name());
        }
        return names.isEmpty() ? "no widgets" : String.join(", ", names);
    }

    private static JsonNode wrap(JsonNode v) {
        if (v.isArray()) {
            ObjectNode boxed = Json.MAPPER.createObjectNode();
            boxed.set("__value__", v.deepCopy());
            return boxed;
        }
        return v.deepCopy();
    }

    // ------------------------------------------------------------------ link resolution

    private Resolved resolveInput(Exec e, int slot, String type, Set<String> visited) {
        if (!visited.add(e.id + "[I]" + slot)) {
            throw error(e, "is part of a circular chain of reroutes, bypassed nodes or subgraph links (input "
                    + slot + "); break the loop in the editor");
        }
        if (slot < 0 || slot >= e.inputs.size()) {
            throw error(e, "is asked for input slot " + slot + " but has only " + e.inputs.size() + " inputs");
        }
        UiGraph.Slot input = e.inputs.get(slot);
        if (e.groupOwner != null) {
            return resolveGroupMemberInput(e, slot, type != null ? type : input.type(), visited);
        }
        if (input.linkId() == null) {
            return null;
        }
        UiGraph.Link link = e.graph.links.get(input.linkId());
        if (link == null) {
            throw error(e, "input '" + input.name() + "' is connected by link " + input.linkId()
                    + ", which is not in the workflow's links (a dangling link); reconnect or remove it in the editor");
        }
        Exec instance = e.graph.instance;
        if (instance != null && UiGraph.SUBGRAPH_INPUT_NODE.equals(link.originId())) {
            if (link.originSlot() >= instance.inputs.size()) {
                throw error(e, "input '" + input.name() + "' comes from subgraph input " + link.originSlot()
                        + ", which the subgraph node " + instance.id + " does not have");
            }
            UiGraph.Slot outer = instance.inputs.get(link.originSlot());
            if (outer.linkId() == null) {
                JsonNode promoted = promotedValue(instance, link.originSlot());
                return promoted == null ? null : new Resolved(null, -1, promoted);
            }
            return resolveInput(instance, link.originSlot(), type, visited);
        }
        Exec origin = execs.get(e.graph.prefix + link.originId());
        if (origin == null) {
            throw error(e, "input '" + input.name() + "' is connected (link " + link.id() + ") to node "
                    + link.originId() + ", which is not in the workflow (a dangling link); reconnect it in the editor");
        }
        return resolveOutput(origin, link.originSlot(), type != null ? type : input.type(), visited);
    }

    private Resolved resolveOutput(Exec e, int slot, String type, Set<String> visited) {
        if (!visited.add(e.id + "[O]" + slot)) {
            throw error(e, "is part of a circular chain of reroutes, bypassed nodes or subgraph links (output "
                    + slot + "); break the loop in the editor");
        }
        if (e.mode == MODE_BYPASSED) {
            int through = bypassSlot(e, slot, type);
            return through < 0 ? null : resolveInput(e, through, null, visited);
        }
        if (e.group != null) {
            GroupNodeDefinition.InnerSlot inner = e.group.groupOutput(slot);
            if (inner == null) {
                throw error(e, "output " + slot + " is used but its group \"" + e.group.name + "\" has only "
                        + "the outputs its nodes do not use among themselves; save the workflow again from the editor");
            }
            return resolveOutput(execs.get(e.id + ":" + inner.index()), inner.slot(), type, visited);
        }
        if (e.inner != null) {
            JsonNode output = e.inner.definition.path("outputs").path(slot);
            JsonNode linkId = output.path("linkIds").path(0);
            if (linkId.isMissingNode() || linkId.isNull()) {
                return null;
            }
            UiGraph.Link link = e.inner.links.get(linkId.asLong());
            Exec inner = link == null ? null : execs.get(e.inner.prefix + link.originId());
            if (inner == null) {
                throw error(e, "output " + slot + " of its subgraph is wired to link " + linkId.asText()
                        + ", which leads to no node inside it (a dangling link); fix the subgraph in the editor");
            }
            return resolveOutput(inner, link.originSlot(), type, visited);
        }
        if ("PrimitiveNode".equals(e.type)) {
            JsonNode values = e.node.path("widgets_values");
            return values.isArray() && !values.isEmpty() ? new Resolved(null, -1, values.get(0)) : null;
        }
        if (FRONTEND_ONLY.contains(e.type)) {
            return slot < e.inputs.size() ? resolveInput(e, slot, type, visited) : null;
        }
        return new Resolved(e.id, slot, null);
    }

    /** An input of a node inside a group node: fed from inside the group, or through one of the group's inputs. */
    private Resolved resolveGroupMemberInput(Exec e, int slot, String type, Set<String> visited) {
        GroupNodeDefinition.InnerSlot from = e.groupOwner.group.internalSource(e.groupIndex, slot);
        if (from != null) {
            return resolveOutput(execs.get(e.groupOwner.id + ":" + from.index()), from.slot(), type, visited);
        }
        Integer outer = e.groupOwner.group.groupInput(e.groupIndex, slot);
        if (outer == null || outer >= e.groupOwner.inputs.size()) {
            return null;
        }
        return resolveInput(e.groupOwner, outer, type, visited);
    }

    /** The input a bypassed node hands through for output {@code slot} to a consumer of {@code type}, or -1. */
    private static int bypassSlot(Exec e, int slot, String type) {
        List<UiGraph.Slot> inputs = e.inputs;
        if (type == null || type.isEmpty() || "*".equals(type)) {
            return inputs.isEmpty() ? -1 : inputs.size() > slot ? slot : 0;
        }
        String outputType = UiGraph.outputType(e.node, slot);
        if (slot < inputs.size() && fits(inputs.get(slot).type(), outputType) && fits(inputs.get(slot).type(), type)) {
            return slot;
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).type().equals(type)) {
                return i;
            }
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (fits(inputs.get(i).type(), outputType) && fits(inputs.get(i).type(), type)) {
                return i;
            }
        }
        return -1;
    }

    /** The editor's connection rule: wildcards and empty types fit anything; comma lists fit when they share a type. */
    private static boolean fits(String a, String b) {
        if (a == null || b == null || a.isEmpty() || b.isEmpty() || "*".equals(a) || "*".equals(b)
                || a.equalsIgnoreCase(b)) {
            return true;
        }
        Set<String> left = new HashSet<>();
        for (String t : a.toLowerCase(Locale.ROOT).split(",")) {
            left.add(t.trim());
        }
        for (String t : b.toLowerCase(Locale.ROOT).split(",")) {
            if (left.contains(t.trim())) {
                return true;
            }
        }
        return false;
    }

    /** The value of a subgraph instance's promoted widget for its input {@code slot}, or null when it has none. */
    private static JsonNode promotedValue(Exec instance, int slot) {
        if (instance.inputs.get(slot).widgetName() == null) {
            return null;
        }
        int index = 0;
        for (int i = 0; i < slot; i++) {
            if (instance.inputs.get(i).widgetName() != null) {
                index++;
            }
        }
        JsonNode values = instance.node.path("widgets_values");
        return values.isArray() && index < values.size() ? values.get(index) : null;
    }

    private String describe(Exec e) {
        String title = e.title();
        return source + ": node " + e.id + (title != null ? " \"" + title + "\"" : "") + " (" + e.type + ")";
    }

    private WidgetMismatchException mismatch(Exec e, String what) {
        return new WidgetMismatchException(describe(e) + " " + what, e.id, e.title(), e.type);
    }

    private UiConversionException error(Exec e, String what) {
        return new UiConversionException(describe(e) + " " + what, e.id, e.title(), e.type);
    }

}
