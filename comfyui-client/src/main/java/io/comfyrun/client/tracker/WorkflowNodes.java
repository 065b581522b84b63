package io.comfyrun.client.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.progress.NodeRef;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The compact facts the tracker keeps about a workflow (id, class, title, weight per node), so the whole
 * graph need not stay in memory while the prompt runs.
 */
public final class WorkflowNodes {

    private static final WorkflowNodes EMPTY = new WorkflowNodes(List.of(), new double[0]);

    private final List<NodeRef> refs;
    private final double[] weights;

    private WorkflowNodes(List<NodeRef> refs, double[] weights) {
        this.refs = refs;
        this.weights = weights;
    }

    public static WorkflowNodes empty() {
        return EMPTY;
    }

    public static WorkflowNodes of(ObjectNode workflow) {
        List<NodeRef> refs = new ArrayList<>(workflow.size());
        double[] weights = new double[workflow.size()];
        Iterator<Map.Entry<String, JsonNode>> it = workflow.fields();
        int i = 0;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode node = e.getValue();
            String cls = node.path("class_type").asText(null);
            String title = node.path("_meta").path("title").asText(null);
            refs.add(new NodeRef(e.getKey(), cls == null ? null : cls.intern(), title == null ? cls : title));
            weights[i++] = weight(cls, node.path("inputs"));
        }
        return new WorkflowNodes(List.copyOf(refs), weights);
    }

    /**
     * Relative cost of a node, for the whole-workflow percent when the server gives no better measure: a sampler
     * costs about one unit per step, a model loader a few, everything else one.
     */
    static double weight(String classType, JsonNode inputs) {
        JsonNode steps = inputs.path("steps");
        if (steps.isNumber()) {
            return Math.max(1, steps.asDouble());
        }
        String c = classType == null ? "" : classType.toLowerCase(Locale.ROOT);
        if (c.contains("sampler")) {
            return 20;
        }
        if (c.contains("loader")) {
            return 5;
        }
        return 1;
    }

    public List<NodeRef> refs() {
        return refs;
    }

    public double weight(int index) {
        return weights[index];
    }

    public int size() {
        return refs.size();
    }
}
