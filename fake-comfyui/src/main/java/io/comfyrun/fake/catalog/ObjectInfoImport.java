package io.comfyrun.fake.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a saved {@code GET /object_info} answer of a real ComfyUI (custom node packs included) into catalogue
 * definitions. Each entry is checked for the shape ComfyUI publishes, and the fake picks a generic behaviour for it
 * from its declaration alone:
 * <ul>
 *   <li>an output node taking an {@code IMAGE}: writes PNGs, to {@code output} when it has a {@code filename_prefix}
 *       input ({@link NodeBehaviour#SAVE_IMAGE}), else to {@code temp} ({@link NodeBehaviour#PREVIEW_IMAGE});</li>
 *   <li>a node with a {@code steps} input returning a {@code LATENT}: a step-wise {@link NodeBehaviour#SAMPLER};</li>
 *   <li>a node taking and returning an {@code IMAGE}: an {@link NodeBehaviour#IMAGE_OP} (its {@code width} and
 *       {@code height} inputs, if any, size the image);</li>
 *   <li>a node returning a {@code LATENT} from {@code width}/{@code height}: {@link NodeBehaviour#LATENT};</li>
 *   <li>anything else: {@link NodeBehaviour#GENERIC}, outputs of the declared types.</li>
 * </ul>
 */
final class ObjectInfoImport {

    private static final Set<String> CATEGORIES = Set.of("required", "optional", "hidden");

    private ObjectInfoImport() {
    }

    static List<NodeDefinition> definitions(JsonNode objectInfo) {
        if (objectInfo == null || !objectInfo.isObject()) {
            throw new IllegalArgumentException("an object_info must be a JSON object of node classes, as "
                    + "GET /object_info answers, e.g. {\"MyNode\": {\"input\": {...}, \"output\": [...], ...}}");
        }
        List<NodeDefinition> out = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = objectInfo.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            ObjectNode entry = checked(e.getKey(), e.getValue());
            out.add(NodeDefinition.fromObjectInfo(e.getKey(), entry, infer(entry)));
        }
        return out;
    }

    private static ObjectNode checked(String cls, JsonNode entry) {
        if (!entry.isObject()) {
            throw bad(cls, "its entry must be a JSON object, got: " + abbreviate(entry));
        }
        JsonNode input = entry.get("input");
        if (input == null || !input.isObject()) {
            throw bad(cls, "\"input\" must be an object with \"required\" (and \"optional\", \"hidden\") inputs");
        }
        for (Iterator<String> c = input.fieldNames(); c.hasNext(); ) {
            String category = c.next();
            if (!CATEGORIES.contains(category)) {
                throw bad(cls, "unknown input category \"" + category + "\"; known: hidden, optional, required");
            }
            JsonNode inputs = input.get(category);
            if (!inputs.isObject()) {
                throw bad(cls, "\"input." + category + "\" must be an object of inputs");
            }
            if (category.equals("hidden")) {
                continue; // PROMPT, UNIQUE_ID, EXTRA_PNGINFO...: filled by the server, never validated
            }
            for (Iterator<Map.Entry<String, JsonNode>> i = inputs.fields(); i.hasNext(); ) {
                Map.Entry<String, JsonNode> in = i.next();
                JsonNode spec = in.getValue();
                if (!spec.isArray() || spec.isEmpty() || !(spec.get(0).isTextual() || spec.get(0).isArray())
                        || spec.size() > 1 && !spec.get(1).isObject()) {
                    throw bad(cls, "input \"" + in.getKey() + "\" must be [TYPE or [options], {options}], got: "
                            + abbreviate(spec));
                }
            }
        }
        JsonNode output = entry.get("output");
        if (output == null || !output.isArray()) {
            throw bad(cls, "\"output\" must be the list of its return types (empty for none)");
        }
        for (String listField : List.of("output_is_list", "output_name")) {
            JsonNode l = entry.get(listField);
            if (l != null && (!l.isArray() || l.size() != output.size())) {
                throw bad(cls, "\"" + listField + "\" must be a list as long as \"output\" (" + output.size() + ")");
            }
        }
        JsonNode outputNode = entry.get("output_node");
        if (outputNode != null && !outputNode.isBoolean()) {
            throw bad(cls, "\"output_node\" must be true or false, got: " + outputNode);
        }
        return (ObjectNode) entry.deepCopy();
    }

    static NodeBehaviour infer(ObjectNode entry) {
        boolean outputNode = entry.path("output_node").asBoolean(false);
        List<String> outputs = new ArrayList<>();
        entry.path("output").forEach(t -> outputs.add(t.asText()));
        JsonNode required = entry.path("input").path("required");
        JsonNode optional = entry.path("input").path("optional");
        boolean takesImage = hasType(required, "IMAGE") || hasType(optional, "IMAGE");
        if (outputNode && takesImage) {
            return has(required, optional, "filename_prefix") ? NodeBehaviour.SAVE_IMAGE : NodeBehaviour.PREVIEW_IMAGE;
        }
        if (outputs.contains("LATENT") && has(required, optional, "steps")) {
            return NodeBehaviour.SAMPLER;
        }
        if (outputs.contains("IMAGE") && takesImage) {
            return NodeBehaviour.IMAGE_OP;
        }
        if (outputs.contains("LATENT") && has(required, optional, "width") && has(required, optional, "height")) {
            return NodeBehaviour.LATENT;
        }
        return NodeBehaviour.GENERIC;
    }

    private static boolean hasType(JsonNode inputs, String type) {
        for (JsonNode spec : inputs) {
            if (spec.isArray() && type.equals(spec.path(0).asText(null))) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(JsonNode required, JsonNode optional, String name) {
        return required.has(name) || optional.has(name);
    }

    private static IllegalArgumentException bad(String cls, String what) {
        return new IllegalArgumentException("object_info class \"" + cls + "\": " + what);
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }
}
