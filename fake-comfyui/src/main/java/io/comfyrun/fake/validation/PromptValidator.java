package io.comfyrun.fake.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.catalog.NodeCatalog;
import io.comfyrun.fake.catalog.NodeDefinition;
import io.comfyrun.fake.catalog.ServerFiles;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * ComfyUI 0.3.64's {@code validate_prompt} / {@code validate_inputs} for {@code POST /prompt}: the same
 * decisions, the same error types and messages, the same 400 and 200-with-{@code node_errors} bodies.
 *
 * <p>Faithful quirks kept on purpose: a node downstream of a bad node gets no entry of its own;
 * {@code details} of {@code prompt_outputs_failed_validation} only joins the output nodes' own errors;
 * once any output fails, every failed node validated so far lists that output in
 * {@code dependent_outputs}; values are coerced in place on the nodes validation reached.
 * Where Python iterates a set (outputs, inputs), this validator uses prompt and declaration order.
 *
 * <pre>{@code
 * PromptValidator validator = new PromptValidator(NodeCatalog.core(), ServerFiles.defaults());
 * ValidationResult result = validator.validate(body.get("prompt"), null);
 * }</pre>
 */
public final class PromptValidator {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String FAKE_TRACEBACK =
            "  File \"/srv/ComfyUI/execution.py\", in validate_inputs\n";

    private final NodeCatalog catalog;
    private final ServerFiles files;

    public PromptValidator(NodeCatalog catalog, ServerFiles files) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.files = Objects.requireNonNull(files, "files");
    }

    /**
     * Validates the {@code prompt} field of a {@code POST /prompt} body.
     *
     * @param promptField             the field's value; Java {@code null} or a missing node when the body
     *                                has no {@code prompt} key (JSON {@code null} is a present value)
     * @param partialExecutionTargets {@code partial_execution_targets}, or {@code null} to run every output
     */
    public ValidationResult validate(JsonNode promptField, List<String> partialExecutionTargets) {
        if (promptField == null || promptField.isMissingNode()) {
            return new ValidationResult.Rejected(rejection("no_prompt", "No prompt provided", "No prompt provided",
                    NODES.objectNode()));
        }
        if (!promptField.isObject()) {
            // Python iterates the value: an empty list or string has no nodes, anything else raises.
            boolean emptyIterable = (promptField.isArray() && promptField.isEmpty())
                    || (promptField.isTextual() && promptField.asText().isEmpty());
            if (emptyIterable) {
                return new ValidationResult.Rejected(noOutputs());
            }
            return new ValidationResult.Crashed("TypeError: prompt of type '" + PyFormat.typeName(promptField)
                    + "' cannot be validated as an API-format graph");
        }
        return new Run((ObjectNode) promptField.deepCopy(), partialExecutionTargets).validatePrompt();
    }

    private static ObjectNode rejection(String type, String message, String details, ObjectNode nodeErrors) {
        ObjectNode body = NODES.objectNode();
        body.set("error", error(type, message, details, NODES.objectNode()));
        body.set("node_errors", nodeErrors);
        return body;
    }

    private static ObjectNode noOutputs() {
        return rejection("prompt_no_outputs", "Prompt has no outputs", "", NODES.objectNode());
    }

    private static ObjectNode error(String type, String message, String details, ObjectNode extraInfo) {
        ObjectNode e = NODES.objectNode();
        e.put("type", type);
        e.put("message", message);
        e.put("details", details);
        e.set("extra_info", extraInfo);
        return e;
    }

    /** What validate_inputs concluded about one node: {@code (valid, errors, node_id)}. */
    private record NodeResult(boolean valid, List<ObjectNode> errors) {
    }

    /** One validation of one prompt; holds the mutable state validate_prompt keeps in locals. */
    private final class Run {
        private final ObjectNode prompt;
        private final List<String> partialTargets;
        private final Map<String, NodeResult> validated = new LinkedHashMap<>();
        private final Set<String> inProgress = new HashSet<>();
        private final Map<String, NodeDefinition> definitions = new LinkedHashMap<>();

        Run(ObjectNode prompt, List<String> partialTargets) {
            this.prompt = prompt;
            this.partialTargets = partialTargets;
        }

        ValidationResult validatePrompt() {
            List<String> outputs = new ArrayList<>();
            var ids = prompt.fieldNames();
            while (ids.hasNext()) {
                String id = ids.next();
                JsonNode node = prompt.get(id);
                boolean hasClassType;
                if (node.isObject()) {
                    hasClassType = node.has("class_type");
                } else if (node.isTextual()) {
                    hasClassType = node.asText().contains("class_type");
                } else if (node.isArray()) {
                    hasClassType = false;
                    for (JsonNode item : node) {
                        hasClassType |= item.isTextual() && item.asText().equals("class_type");
                    }
                } else {
                    return new ValidationResult.Crashed("TypeError: argument of type '" + PyFormat.typeName(node)
                            + "' is not iterable (node " + id + ")");
                }
                if (!hasClassType) {
                    return new ValidationResult.Rejected(rejection("invalid_prompt",
                            "Cannot execute because a node is missing the class_type property.",
                            "Node ID '#" + id + "'", NODES.objectNode()));
                }
                if (!node.isObject()) {
                    return new ValidationResult.Crashed("TypeError: node " + id + " is not an object");
                }
                JsonNode classType = node.get("class_type");
                if (classType.isContainerNode()) {
                    return new ValidationResult.Crashed("TypeError: unhashable type: '" + PyFormat.typeName(classType) + "'");
                }
                Optional<NodeDefinition> def = classType.isTextual() ? catalog.find(classType.asText()) : Optional.empty();
                if (def.isEmpty()) {
                    return new ValidationResult.Rejected(rejection("invalid_prompt",
                            "Cannot execute because node " + PyFormat.str(classType) + " does not exist.",
                            "Node ID '#" + id + "'", NODES.objectNode()));
                }
                definitions.put(id, def.get());
                if (def.get().outputNode() && (partialTargets == null || partialTargets.contains(id))) {
                    outputs.add(id);
                }
            }
            if (outputs.isEmpty()) {
                return new ValidationResult.Rejected(noOutputs());
            }

            List<String> goodOutputs = new ArrayList<>();
            List<ObjectNode> outputOwnErrors = new ArrayList<>();
            ObjectNode nodeErrors = NODES.objectNode();
            for (String o : outputs) {
                NodeResult result;
                try {
                    result = validateInputs(o);
                } catch (PythonError ex) {
                    ObjectNode extra = NODES.objectNode();
                    extra.put("exception_type", ex.pythonType());
                    extra.set("traceback", NODES.arrayNode().add(FAKE_TRACEBACK));
                    result = new NodeResult(false, List.of(error("exception_during_validation",
                            "Exception when validating node", ex.getMessage(), extra)));
                    validated.put(o, result);
                }
                if (result.valid()) {
                    goodOutputs.add(o);
                    continue;
                }
                outputOwnErrors.addAll(result.errors());
                for (Map.Entry<String, NodeResult> entry : validated.entrySet()) {
                    NodeResult r = entry.getValue();
                    if (r.valid() || r.errors().isEmpty()) {
                        continue;
                    }
                    ObjectNode entryErrors = (ObjectNode) nodeErrors.get(entry.getKey());
                    if (entryErrors == null) {
                        entryErrors = nodeErrors.putObject(entry.getKey());
                        ArrayNode list = entryErrors.putArray("errors");
                        r.errors().forEach(list::add);
                        entryErrors.putArray("dependent_outputs");
                        entryErrors.set("class_type", prompt.get(entry.getKey()).get("class_type"));
                    }
                    ((ArrayNode) entryErrors.get("dependent_outputs")).add(o);
                }
            }
            if (goodOutputs.isEmpty()) {
                List<String> lines = new ArrayList<>();
                for (ObjectNode e : outputOwnErrors) {
                    lines.add(e.path("message").asText() + ": " + e.path("details").asText());
                }
                return new ValidationResult.Rejected(rejection("prompt_outputs_failed_validation",
                        "Prompt outputs failed validation", String.join("\n", lines), nodeErrors));
            }
            return new ValidationResult.Accepted(prompt, goodOutputs, nodeErrors);
        }

        private NodeResult validateInputs(String id) throws PythonError {
            NodeResult done = validated.get(id);
            if (done != null) {
                return done;
            }
            if (!inProgress.add(id)) {
                // Python would recurse until RecursionError; report it where the cycle closes.
                throw new PythonError("RecursionError", "maximum recursion depth exceeded");
            }
            try {
                NodeResult result = validateNode(id);
                validated.put(id, result);
                return result;
            } finally {
                inProgress.remove(id);
            }
        }

        private NodeResult validateNode(String id) throws PythonError {
            ObjectNode node = (ObjectNode) prompt.get(id);
            JsonNode inputsNode = node.get("inputs");
            if (inputsNode == null) {
                throw new PythonError("KeyError", "'inputs'");
            }
            if (!inputsNode.isObject()) {
                throw new PythonError("TypeError", "inputs of node " + id + " is a " + PyFormat.typeName(inputsNode)
                        + ", not a dict");
            }
            ObjectNode inputs = (ObjectNode) inputsNode;
            NodeDefinition def = definitions.get(id);
            ObjectNode info = NodeCatalog.objectInfo(def, files);
            NodeDefinition resolved = new NodeDefinition(def.classType(), def.outputNode(), def.outputTypes(),
                    def.inputOrder(), info, def.behaviour());
            Set<String> customValidated = CustomValidation.inputsOf(def.classType());

            List<ObjectNode> errors = new ArrayList<>();
            boolean valid = true;
            for (String x : def.inputOrder()) {
                Optional<NodeDefinition.InputSpec> found = resolved.input(x);
                if (found.isEmpty()) {
                    continue;
                }
                NodeDefinition.InputSpec spec = found.get();
                JsonNode inputType = spec.type();
                JsonNode extraInfo = spec.options();
                ArrayNode config = NODES.arrayNode().add(inputType.deepCopy()).add(extraInfo.deepCopy());
                if (!inputs.has(x)) {
                    if (spec.required()) {
                        ObjectNode extra = NODES.objectNode().put("input_name", x);
                        errors.add(error("required_input_missing", "Required input is missing", x, extra));
                    }
                    continue;
                }
                JsonNode val = inputs.get(x);
                if (val.isArray()) {
                    if (val.size() != 2) {
                        ObjectNode extra = NODES.objectNode().put("input_name", x);
                        extra.set("input_config", config);
                        extra.set("received_value", val.deepCopy());
                        errors.add(error("bad_linked_input",
                                "Bad linked input, must be a length-2 list of [node_id, slot_index]", x, extra));
                        continue;
                    }
                    String linkedId = linkedNodeId(val.get(0));
                    String receivedType = receivedType(linkedId, val.get(1));
                    if (!typesMatch(receivedType, inputType)) {
                        ObjectNode extra = NODES.objectNode().put("input_name", x);
                        extra.set("input_config", config);
                        extra.put("received_type", receivedType);
                        extra.set("linked_node", val.deepCopy());
                        errors.add(error("return_type_mismatch", "Return type mismatch between linked nodes",
                                x + ", received_type(" + receivedType + ") mismatch input_type("
                                        + PyFormat.str(inputType) + ")", extra));
                        continue;
                    }
                    try {
                        if (!validateInputs(linkedId).valid()) {
                            valid = false;
                        }
                    } catch (PythonError ex) {
                        valid = false;
                        ObjectNode extra = NODES.objectNode().put("input_name", x);
                        extra.set("input_config", config);
                        extra.put("exception_message", ex.getMessage());
                        extra.put("exception_type", ex.pythonType());
                        extra.set("traceback", NODES.arrayNode().add(FAKE_TRACEBACK));
                        extra.set("linked_node", val.deepCopy());
                        validated.put(linkedId, new NodeResult(false, List.of(error("exception_during_inner_validation",
                                "Exception when validating inner node", ex.getMessage(), extra))));
                    }
                    continue;
                }

                if (val.isObject() && val.has("__value__")) {
                    // The frontend wraps list-valued widgets so they are not mistaken for links.
                    val = val.get("__value__");
                    inputs.set(x, val);
                }
                if (inputType.isTextual()) {
                    try {
                        val = InputCoercion.coerce(inputType.asText(), val);
                        inputs.set(x, val);
                    } catch (PythonError ex) {
                        ObjectNode extra = NODES.objectNode().put("input_name", x);
                        extra.set("input_config", config);
                        extra.set("received_value", val.deepCopy());
                        extra.put("exception_message", ex.getMessage());
                        errors.add(error("invalid_input_type",
                                "Failed to convert an input value to a " + inputType.asText() + " value",
                                x + ", " + PyFormat.str(val) + ", " + ex.getMessage(), extra));
                        continue;
                    }
                }
                if (customValidated.contains(x)) {
                    continue;
                }
                JsonNode min = extraInfo.get("min");
                Integer belowMin = min == null ? null : InputCoercion.compareNumbers(val, min);
                if (belowMin != null && belowMin < 0) {
                    errors.add(rangeError("value_smaller_than_min", "Value " + PyFormat.str(val)
                            + " smaller than min of " + PyFormat.str(min), x, config, val));
                    continue;
                }
                JsonNode max = extraInfo.get("max");
                Integer aboveMax = max == null ? null : InputCoercion.compareNumbers(val, max);
                if (aboveMax != null && aboveMax > 0) {
                    errors.add(rangeError("value_bigger_than_max", "Value " + PyFormat.str(val)
                            + " bigger than max of " + PyFormat.str(max), x, config, val));
                    continue;
                }
                JsonNode options = comboOptions(inputType, extraInfo);
                if (options != null && !contains(options, val)) {
                    boolean summarise = options.size() > 20;
                    String listInfo = summarise ? "(list of length " + options.size() + ")" : PyFormat.repr(options);
                    ObjectNode extra = NODES.objectNode().put("input_name", x);
                    extra.set("input_config", summarise ? NODES.nullNode() : config);
                    extra.set("received_value", val.deepCopy());
                    errors.add(error("value_not_in_list", "Value not in list",
                            x + ": '" + PyFormat.str(val) + "' not in " + listInfo, extra));
                }
            }

            for (String x : customValidated) {
                JsonNode val = inputs.get(x);
                if (val == null || val.isArray()) {
                    continue;
                }
                Optional<String> failure = CustomValidation.check(def.classType(), x, val, files);
                failure.ifPresent(reason -> errors.add(error("custom_validation_failed",
                        "Custom validation failed for node", x + " - " + reason,
                        NODES.objectNode().put("input_name", x))));
            }
            return errors.isEmpty() && valid ? new NodeResult(true, List.of()) : new NodeResult(false, errors);
        }

        private String linkedNodeId(JsonNode ref) throws PythonError {
            if (ref.isContainerNode()) {
                throw new PythonError("TypeError", "unhashable type: '" + PyFormat.typeName(ref) + "'");
            }
            // JSON object keys are strings: a numeric or null reference never finds a node.
            if (!ref.isTextual() || !prompt.has(ref.asText())) {
                throw new PythonError("KeyError", PyFormat.repr(ref));
            }
            return ref.asText();
        }

        private String receivedType(String linkedId, JsonNode slot) throws PythonError {
            List<String> types = definitions.get(linkedId).outputTypes();
            long index;
            if (slot.isBoolean()) {
                index = slot.asBoolean() ? 1 : 0;
            } else if (slot.isIntegralNumber() && slot.canConvertToLong()) {
                index = slot.asLong();
            } else if (slot.isIntegralNumber()) {
                throw new PythonError("IndexError", "cannot fit 'int' into an index-sized integer");
            } else {
                throw new PythonError("TypeError", "tuple indices must be integers or slices, not "
                        + PyFormat.typeName(slot));
            }
            long effective = index < 0 ? index + types.size() : index;
            if (effective < 0 || effective >= types.size()) {
                throw new PythonError("IndexError", "tuple index out of range");
            }
            return types.get((int) effective);
        }
    }

    private static ObjectNode rangeError(String type, String message, String x, ArrayNode config, JsonNode val) {
        ObjectNode extra = NODES.objectNode().put("input_name", x);
        extra.set("input_config", config);
        extra.set("received_value", val.deepCopy());
        return error(type, message, x, extra);
    }

    /** The options of a combo input: {@code [[...], {}]} or the newer {@code ["COMBO", {"options": [...]}]}. */
    private static JsonNode comboOptions(JsonNode inputType, JsonNode extraInfo) {
        if (inputType.isArray()) {
            return inputType;
        }
        if ("COMBO".equals(inputType.asText(null))) {
            JsonNode options = extraInfo.get("options");
            return options != null && options.isArray() ? options : NODES.arrayNode();
        }
        return null;
    }

    private static boolean contains(JsonNode options, JsonNode val) {
        for (JsonNode option : options) {
            if (InputCoercion.pyEquals(option, val)) {
                return true;
            }
        }
        return false;
    }

    /**
     * ComfyUI's {@code validate_node_input}: equal types, or comma-separated unions that intersect. A
     * declared {@code "*"} stands for ComfyUI's AnyType, which matches everything.
     */
    static boolean typesMatch(String received, JsonNode inputType) {
        if (!inputType.isTextual()) {
            return false;
        }
        String declared = inputType.asText();
        if (received.equals(declared) || "*".equals(received) || "*".equals(declared)) {
            return true;
        }
        Set<String> receivedSet = new HashSet<>();
        for (String t : received.split(",")) {
            receivedSet.add(t.strip());
        }
        for (String t : declared.split(",")) {
            if (receivedSet.contains(t.strip())) {
                return true;
            }
        }
        return false;
    }
}
