package io.comfyrun.fake.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.execution.NodeType;
import io.comfyrun.fake.execution.NodeTypes;
import io.comfyrun.fake.json.PythonJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Graph-level checks only (no prompt, unknown class, missing class_type, no outputs) with ComfyUI's
 * bodies; used when the server runs without the catalogue's full validator.
 */
public final class MinimalValidation implements PromptValidation {

    private final NodeTypes types;

    public MinimalValidation(NodeTypes types) {
        this.types = types;
    }

    @Override
    public Outcome validate(JsonNode prompt, List<String> targets) {
        if (prompt == null || prompt.isNull() || prompt.isMissingNode()) {
            return reject("no_prompt", "No prompt provided", "No prompt provided");
        }
        if (!prompt.isObject()) {
            return reject("prompt_no_outputs", "Prompt has no outputs", "");
        }
        List<String> outputs = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : prompt.properties()) {
            JsonNode cls = e.getValue().get("class_type");
            if (cls == null) {
                return reject("invalid_prompt", "Cannot execute because a node is missing the class_type property.",
                        "Node ID '#" + e.getKey() + "'");
            }
            Optional<NodeType> t = types.find(cls.asText());
            if (t.isEmpty()) {
                return reject("invalid_prompt", "Cannot execute because node " + cls.asText() + " does not exist.",
                        "Node ID '#" + e.getKey() + "'");
            }
            if (t.get().outputNode() && (targets == null || targets.contains(e.getKey()))) {
                outputs.add(e.getKey());
            }
        }
        if (outputs.isEmpty()) {
            return reject("prompt_no_outputs", "Prompt has no outputs", "");
        }
        return new Outcome.Accepted(((ObjectNode) prompt).deepCopy(), outputs, PythonJson.object());
    }

    private static Outcome reject(String type, String message, String details) {
        ObjectNode body = PythonJson.object();
        ObjectNode err = body.putObject("error");
        err.put("type", type);
        err.put("message", message);
        err.put("details", details);
        err.putObject("extra_info");
        body.putObject("node_errors");
        return new Outcome.Rejected(body);
    }
}
