package io.comfyrun.fake.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One node class as the fake server knows it.
 *
 * @param classType   the {@code class_type} used in API-format prompts, e.g. {@code "KSampler"}
 * @param outputNode  whether ComfyUI treats it as an output ({@code OUTPUT_NODE = True})
 * @param outputTypes its {@code RETURN_TYPES}, the types of its output slots
 * @param inputOrder  required then optional input names, in declaration order
 * @param objectInfo  the exact {@code /object_info} entry; combo inputs backed by a model folder hold
 *                    placeholder options that {@link NodeCatalog} fills from {@link ServerFiles}
 * @param behaviour   what the fake worker does with it
 */
public record NodeDefinition(String classType, boolean outputNode, List<String> outputTypes,
                             List<String> inputOrder, ObjectNode objectInfo, NodeBehaviour behaviour) {

    public NodeDefinition {
        Objects.requireNonNull(classType, "classType");
        Objects.requireNonNull(objectInfo, "objectInfo of " + classType);
        Objects.requireNonNull(behaviour, "behaviour of " + classType);
        outputTypes = List.copyOf(outputTypes);
        inputOrder = List.copyOf(inputOrder);
    }

    /**
     * Builds a definition from an {@code /object_info} entry alone, reading output types, output flag
     * and input order from it. Use this to register custom nodes from a scenario.
     */
    public static NodeDefinition fromObjectInfo(String classType, ObjectNode objectInfo, NodeBehaviour behaviour) {
        List<String> outputs = new java.util.ArrayList<>();
        for (JsonNode t : objectInfo.path("output")) {
            outputs.add(t.isTextual() ? t.asText() : t.toString());
        }
        List<String> order = new java.util.ArrayList<>();
        JsonNode declared = objectInfo.path("input_order");
        for (String category : List.of("required", "optional")) {
            JsonNode names = declared.path(category);
            if (names.isArray()) {
                names.forEach(n -> order.add(n.asText()));
            } else {
                objectInfo.path("input").path(category).fieldNames().forEachRemaining(order::add);
            }
        }
        return new NodeDefinition(classType, objectInfo.path("output_node").asBoolean(false), outputs, order,
                objectInfo, behaviour);
    }

    /**
     * The declaration of an input, {@code [type_or_options, {options}]}, with its category
     * ({@code required}, {@code optional}); hidden inputs are not validated, so they are not found here.
     */
    public Optional<InputSpec> input(String name) {
        for (String category : List.of("required", "optional")) {
            JsonNode spec = objectInfo.path("input").path(category).get(name);
            if (spec != null && spec.isArray()) {
                return Optional.of(new InputSpec(name, "required".equals(category), (ArrayNode) spec));
            }
        }
        return Optional.empty();
    }

    /** The type of output slot {@code index}, if there is one. */
    public Optional<String> outputType(int index) {
        return index >= 0 && index < outputTypes.size() ? Optional.of(outputTypes.get(index)) : Optional.empty();
    }

    /** An input declaration as found in {@code /object_info}. */
    public record InputSpec(String name, boolean required, ArrayNode config) {
        /** The declared type: a string such as {@code "INT"}, or an array of combo options. */
        public JsonNode type() {
            return config.get(0);
        }

        /** The options object ({@code min}, {@code max}, {@code default}...); empty when not declared. */
        public JsonNode options() {
            JsonNode o = config.get(1);
            return o != null && o.isObject() ? o : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
    }
}
