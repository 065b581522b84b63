package io.comfyrun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comfyrun.client.batch.Chain;
import io.comfyrun.client.workflow.InvalidWorkflowException;
import io.comfyrun.client.workflow.Workflow;
import io.comfyrun.client.workflow.WorkflowOverrides;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chain file format: a JSON object with {@code steps}; each step names a workflow file (relative to
 * the chain file), optional overrides, and, from the second step on, which output of the previous step
 * goes into which input.
 *
 * <pre>
 * {
 *   "name": "lighthouse",
 *   "steps": [
 *     {"name": "draft",  "workflow": "txt2img.json", "set": {"KSampler.seed": 42}},
 *     {"name": "refine", "workflow": "img2img.json",
 *      "from": {"node": "9", "index": 0},           // optional: default is the first output image
 *      "into": "\"Load Image\".image"}             // an override key naming the input, e.g. LoadImage.image or 10.image
 *   ]
 * }
 * </pre>
 */
record ChainFile(String name, List<Chain.Step> steps) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether this JSON looks like a chain file rather than a workflow: a top-level {@code steps} array. */
    static boolean isChain(JsonNode root) {
        return root != null && root.isObject() && root.path("steps").isArray();
    }

    static ChainFile read(Path file, JsonNode root) {
        return read(file, root, WorkflowOverrides.none());
    }

    /**
     * @param global the command line's {@code --set} options: applied to every step where they resolve, before
     *               the step's own {@code "set"} (which wins); one that resolves in no step is an error
     */
    static ChainFile read(Path file, JsonNode root, WorkflowOverrides global) {
        ChainOverrides globalSets = new ChainOverrides(global);
        List<String> stepNames = new ArrayList<>();
        String where = file.toString();
        String name = root.path("name").isTextual() ? root.get("name").asText() : stripJson(file.getFileName().toString());
        JsonNode steps = root.get("steps");
        if (steps.isEmpty()) {
            throw new InvalidWorkflowException(where + ": the chain has no steps");
        }
        Path dir = file.toAbsolutePath().getParent();
        List<Chain.Step> list = new ArrayList<>();
        int i = 0;
        for (JsonNode step : steps) {
            i++;
            String at = where + ": step " + i;
            if (!step.isObject()) {
                throw new InvalidWorkflowException(at + " must be an object with \"workflow\"");
            }
            String stepName = step.path("name").isTextual() ? step.get("name").asText() : "step" + i;
            JsonNode wf = step.get("workflow");
            if (wf == null || !(wf.isTextual() || wf.isObject())) {
                throw new InvalidWorkflowException(at + " (" + stepName + ") needs \"workflow\": a file name or an inline API-format workflow");
            }
            Workflow workflow = wf.isTextual() ? Workflow.parse(dir.resolve(wf.asText())) : Workflow.fromJson(wf, at);
            stepNames.add(stepName);
            workflow = globalSets.apply(workflow, at + " (" + stepName + ")");
            JsonNode set = step.get("set");
            if (set != null) {
                if (!set.isObject()) {
                    throw new InvalidWorkflowException(at + " (" + stepName + "): \"set\" must be an object like {\"KSampler.seed\": 42}");
                }
                Map<String, Object> overrides = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : set.properties()) {
                    overrides.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
                }
                workflow = workflow.with(WorkflowOverrides.of(overrides));
            }
            JsonNode into = step.get("into");
            if (i == 1) {
                if (into != null || step.has("from")) {
                    throw new InvalidWorkflowException(at + " (" + stepName + "): the first step cannot take \"from\"/\"into\": there is no previous step");
                }
                list.add(Chain.Step.first(stepName, workflow));
                continue;
            }
            if (into == null || !into.isTextual()) {
                throw new InvalidWorkflowException(at + " (" + stepName + ") needs \"into\": the input that receives the previous"
                        + " step's image, e.g. \"LoadImage.image\" or \"10.image\"");
            }
            Chain.From from = from(step.get("from"), at + " (" + stepName + ")");
            try {
                list.add(Chain.Step.then(stepName, workflow, from, into.asText()));
            } catch (IllegalArgumentException e) {
                throw new InvalidWorkflowException(at + " (" + stepName + "): \"into\": " + e.getMessage(), e);
            }
        }
        globalSets.requireAllUsed(where, stepNames);
        return new ChainFile(name, list);
    }

    private static Chain.From from(JsonNode from, String at) {
        if (from == null || from.isNull()) {
            return Chain.From.firstOutput();
        }
        if (from.isTextual() || from.isIntegralNumber()) {
            return new Chain.From(from.asText(), 0);
        }
        if (from.isObject()) {
            JsonNode node = from.get("node");
            JsonNode index = from.get("index");
            if (index != null && (!index.isIntegralNumber() || index.asInt() < 0)) {
                throw new InvalidWorkflowException(at + ": \"from.index\" must be 0 or more");
            }
            return new Chain.From(node == null || node.isNull() ? null : node.asText(), index == null ? 0 : index.asInt());
        }
        throw new InvalidWorkflowException(at + ": \"from\" must be a node id or {\"node\": \"9\", \"index\": 0}");
    }

    static JsonNode readTree(Path file) throws IOException {
        return JSON.readTree(Files.readString(file));
    }

    static String stripJson(String fileName) {
        return fileName.endsWith(".json") ? fileName.substring(0, fileName.length() - 5) : fileName;
    }
}
