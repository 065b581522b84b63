package io.comfyrun.client.workflow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable ComfyUI workflow in API format ({@code {"3": {"class_type": "KSampler", "inputs": {...}}, ...}}),
 * checked for shape when parsed, so mistakes are reported here with the file, line, node and input
 * instead of as a bare 400 or 500 from the server.
 *
 * <pre>{@code
 * Workflow wf = Workflow.parse(Path.of("txt2img.json"))
 *         .with(WorkflowOverrides.parse(List.of("KSampler.seed=42", "\"Positive Prompt\".text=a red fox")));
 * ObjectNode prompt = wf.toJson();   // the "prompt" field of POST /prompt
 * }</pre>
 *
 * <p>A UI-format export (the editor's "Save", with top-level {@code nodes} and {@code links} arrays) is
 * recognised and rejected here with a message that says how to convert it; {@link io.comfyrun.client.workflow.ui.LoadedWorkflow}
 * accepts both formats and converts a UI-format one with a server's node catalogue.
 */
public final class Workflow {

    /** Far above any real API-format graph (a few KB to a few hundred KB); guards against feeding us a model file. */
    public static final long MAX_BYTES = 32L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build())
            .build());

    private final ObjectNode graph;
    private final String source;

    private Workflow(ObjectNode graph, String source) {
        this.graph = graph;
        this.source = source;
    }

    /** Parses API-format JSON text; errors name the source as "workflow". */
    public static Workflow parse(String json) {
        return parse(json, "workflow");
    }

    /** Parses API-format JSON text; {@code source} (a file name, a step parameter) is named in every error. */
    public static Workflow parse(String json, String source) {
        Objects.requireNonNull(json, "json");
        if (json.length() > MAX_BYTES) {
            throw new InvalidWorkflowException(source + ": " + json.length()
                    + " characters is too large for a workflow (limit " + MAX_BYTES + "); is this really an API-format workflow JSON?");
        }
        if (json.isBlank()) {
            throw new InvalidWorkflowException(source + ": the workflow is empty; expected ComfyUI API-format JSON (export it with Save (API))");
        }
        JsonNode root;
        try (JsonParser parser = JSON.createParser(json)) {
            root = JSON.readTree(parser);
            if (parser.nextToken() != null) {
                throw new InvalidWorkflowException(source + ": unexpected content after the JSON object at line "
                        + parser.currentLocation().getLineNr() + ", column " + parser.currentLocation().getColumnNr());
            }
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            String at = where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
            throw new InvalidWorkflowException(source + ": invalid JSON" + at + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidWorkflowException(source + ": cannot read JSON: " + e.getMessage(), e);
        }
        return fromTree(root, source);
    }

    /** Reads and parses a file; a missing, unreadable or oversized file is an {@link InvalidWorkflowException}. */
    public static Workflow parse(Path file) {
        Objects.requireNonNull(file, "file");
        String source = file.toString();
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new InvalidWorkflowException(source + ": " + size + " bytes is too large for a workflow (limit "
                        + MAX_BYTES + "); is this really an API-format workflow JSON?");
            }
            return parse(Files.readString(file, StandardCharsets.UTF_8), source);
        } catch (NoSuchFileException e) {
            throw new InvalidWorkflowException(source + ": no such workflow file", e);
        } catch (IOException e) {
            throw new InvalidWorkflowException(source + ": cannot read workflow file: " + e, e);
        }
    }

    /** Builds a workflow from plain maps/lists/scalars (e.g. a Jenkins step map or YAML); same checks as {@link #parse(String)}. */
    public static Workflow fromMap(Map<String, ?> map) {
        Objects.requireNonNull(map, "map");
        JsonNode tree;
        try {
            tree = JSON.valueToTree(map);
        } catch (IllegalArgumentException e) {
            throw new InvalidWorkflowException("workflow map: cannot convert to JSON: " + e.getMessage(), e);
        }
        return fromTree(tree, "workflow map");
    }

    /** Wraps an already-parsed JSON tree (deep-copied); same checks as {@link #parse(String)}. */
    public static Workflow fromJson(JsonNode tree, String source) {
        return fromTree(tree == null ? null : tree.deepCopy(), source);
    }

    private static Workflow fromTree(JsonNode root, String source) {
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new InvalidWorkflowException(source + ": the workflow is empty; expected ComfyUI API-format JSON (export it with Save (API))");
        }
        if (!root.isObject()) {
            throw new InvalidWorkflowException(source + ": expected a JSON object of nodes keyed by node id (ComfyUI API format), found "
                    + kind(root));
        }
        if (root.path("nodes").isArray() && (root.has("links") || root.has("last_node_id") || root.has("version"))) {
            throw new InvalidWorkflowException(source + ": this is a UI-format workflow (top-level \"nodes\" and \"links\"), which the ComfyUI API does not run"
                    + " as is; convert it with a server's node catalogue (comfyrun convert --server URL " + source + ", or LoadedWorkflow"
                    + " in the engine), or in ComfyUI export it with Save (API) (newer menus: Workflow > Export (API))");
        }
        ObjectNode graph = (ObjectNode) root;
        // A saved POST /prompt body ({"prompt": {...}, "client_id": ...}) is accepted as a convenience.
        if (graph.path("prompt").isObject() && !graph.path("prompt").has("class_type") && !graph.has("class_type")
                && isPromptBody(graph)) {
            graph = (ObjectNode) graph.get("prompt");
        }
        if (graph.isEmpty()) {
            throw new InvalidWorkflowException(source + ": the workflow has no nodes");
        }
        validate(graph, source);
        return new Workflow(graph, source);
    }

    private static boolean isPromptBody(ObjectNode root) {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!List.of("prompt", "client_id", "prompt_id", "extra_data", "number", "front", "partial_execution_targets").contains(key)) {
                return false;
            }
        }
        return true;
    }

    private static void validate(ObjectNode graph, String source) {
        for (Map.Entry<String, JsonNode> entry : graph.properties()) {
            String id = entry.getKey();
            JsonNode node = entry.getValue();
            if (!node.isObject()) {
                throw new InvalidWorkflowException(source + ": node \"" + id + "\" must be an object with class_type and inputs, found "
                        + kind(node) + " (is this an API-format workflow? export it with Save (API))");
            }
            JsonNode classType = node.get("class_type");
            if (classType == null || !classType.isTextual() || classType.asText().isBlank()) {
                throw new InvalidWorkflowException(source + ": node \"" + id + "\" has no class_type (is this an API-format workflow? export it with Save (API))");
            }
            JsonNode inputs = node.get("inputs");
            if (inputs == null) {
                ((ObjectNode) node).putObject("inputs");
            } else if (!inputs.isObject()) {
                throw new InvalidWorkflowException(source + ": node " + id + " " + classType.asText() + ": \"inputs\" must be an object, found " + kind(inputs));
            } else {
                for (Map.Entry<String, JsonNode> input : inputs.properties()) {
                    JsonNode value = input.getValue();
                    if (value.isArray()) {
                        checkLink(graph, source, id, classType.asText(), input.getKey(), value);
                    }
                }
            }
            JsonNode meta = node.get("_meta");
            if (meta != null && !meta.isObject()) {
                throw new InvalidWorkflowException(source + ": node " + id + " " + classType.asText() + ": \"_meta\" must be an object, found " + kind(meta));
            }
        }
    }

    private static void checkLink(ObjectNode graph, String source, String id, String classType, String input, JsonNode link) {
        String where = source + ": node " + id + " " + classType + " input '" + input + "'";
        if (link.size() != 2 || !(link.get(0).isTextual() || link.get(0).isIntegralNumber()) || !link.get(1).isIntegralNumber()) {
            throw new InvalidWorkflowException(where + ": a link must be [\"<node id>\", <output index>], found " + link);
        }
        String target = link.get(0).asText();
        if (!graph.has(target)) {
            throw new InvalidWorkflowException(where + " links to node " + target + ", which is not in the workflow");
        }
    }

    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase();
        };
    }

    /** Where this workflow came from (file name, "workflow map", ...), as named in errors. */
    public String source() {
        return source;
    }

    /** A deep copy of the graph: the {@code prompt} field of {@code POST /prompt}. */
    public ObjectNode toJson() {
        return graph.deepCopy();
    }

    /** Compact JSON text of the graph. */
    public String toJsonString() {
        try {
            return JSON.writeValueAsString(graph);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Nodes in the order of the JSON document. */
    public List<WorkflowNode> nodes() {
        List<WorkflowNode> nodes = new ArrayList<>(graph.size());
        for (Map.Entry<String, JsonNode> entry : graph.properties()) {
            nodes.add(toNode(entry.getKey(), entry.getValue()));
        }
        return Collections.unmodifiableList(nodes);
    }

    public Optional<WorkflowNode> node(String id) {
        JsonNode node = graph.get(id);
        return node == null ? Optional.empty() : Optional.of(toNode(id, node));
    }

    public int size() {
        return graph.size();
    }

    /** A new workflow with the overrides applied; this one is unchanged. */
    public Workflow with(WorkflowOverrides overrides) {
        ObjectNode copy = graph.deepCopy();
        overrides.applyTo(copy, source);
        return new Workflow(copy, source);
    }

    private static WorkflowNode toNode(String id, JsonNode node) {
        JsonNode title = node.path("_meta").path("title");
        return new WorkflowNode(id, node.get("class_type").asText(), title.isTextual() ? title.asText() : null,
                (ObjectNode) node.get("inputs"));
    }

    @Override
    public String toString() {
        return "Workflow[" + source + ", " + graph.size() + " nodes]";
    }
}
