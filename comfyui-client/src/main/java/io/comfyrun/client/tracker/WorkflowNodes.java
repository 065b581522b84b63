package io.comfyrun.client.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
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
     * The nodes as a resumable snapshot holds them ({@link io.comfyrun.client.PromptSnapshot#nodes}): one
     * {@code id<TAB>class} line per node, plus {@code <TAB>title} only where the title differs from the class, which
     * keeps a typical workflow's share of the snapshot to a few hundred bytes.
     */
    public List<String> toSnapshot() {
        List<String> lines = new ArrayList<>(refs.size());
        for (NodeRef r : refs) {
            if (r.classType() == null) {
                continue; // nothing to tell beyond the id, which events carry anyway
            }
            boolean titled = r.title() != null && !r.title().equals(r.classType());
            lines.add(r.id() + '\t' + r.classType() + (titled ? '\t' + r.title() : ""));
        }
        return lines;
    }

    /**
     * The nodes of a {@link #toSnapshot} list. Inputs are not persisted, so each node weighs what its class alone
     * suggests (a sampler's real step count comes back with its first progress message). Malformed lines are skipped:
     * they would only cost a name in the log.
     */
    public static WorkflowNodes fromSnapshot(List<String> lines) {
        if (lines == null || lines.isEmpty()) {
            return EMPTY;
        }
        List<NodeRef> refs = new ArrayList<>(lines.size());
        for (String line : lines) {
            String[] parts = line.split("\t", 3);
            if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                continue;
            }
            String cls = parts[1].intern();
            refs.add(new NodeRef(parts[0], cls, parts.length == 3 ? parts[2] : cls));
        }
        double[] weights = new double[refs.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = weight(refs.get(i).classType(), MissingNode.getInstance());
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
