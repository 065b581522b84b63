package io.comfyrun.cli;

import io.comfyrun.client.workflow.InvalidWorkflowException;
import io.comfyrun.client.workflow.Workflow;
import io.comfyrun.client.workflow.WorkflowNode;
import io.comfyrun.client.workflow.WorkflowOverrides;
import java.util.ArrayList;
import java.util.List;

/**
 * The global {@code --set} options applied to the steps of a chain file. An override goes into every step
 * whose workflow has a node it names (by id, title or class) with that input; a step's own {@code "set"} is
 * applied after it, so the step wins. An override that fits no step at all is a usage error, as it is for a
 * plain workflow: a user shrinking a chain for a test must not silently get full-size runs.
 */
final class ChainOverrides {

    private final List<WorkflowOverrides.InputOverride> global;
    private final boolean[] used;

    ChainOverrides(WorkflowOverrides global) {
        this.global = global.list();
        this.used = new boolean[this.global.size()];
    }

    /** The step's workflow with every global override that resolves in it (type errors are reported, not skipped). */
    Workflow apply(Workflow workflow, String where) {
        Workflow result = workflow;
        for (int i = 0; i < global.size(); i++) {
            WorkflowOverrides.InputOverride o = global.get(i);
            if (resolves(workflow, o)) {
                used[i] = true;
                try {
                    result = result.with(WorkflowOverrides.parse(List.of(o.spec())));
                } catch (InvalidWorkflowException e) {
                    throw new InvalidWorkflowException(where + ": --set " + o.spec() + ": " + e.getMessage(), e);
                }
            }
        }
        return result;
    }

    /** Fails for the overrides no step took. */
    void requireAllUsed(String chainFile, List<String> stepNames) {
        List<String> unused = new ArrayList<>();
        for (int i = 0; i < global.size(); i++) {
            if (!used[i]) {
                unused.add(global.get(i).spec());
            }
        }
        if (!unused.isEmpty()) {
            throw new InvalidWorkflowException(chainFile + ": --set " + String.join(", --set ", unused)
                    + (unused.size() == 1 ? " names" : " name") + " no node input in any step of the chain (steps: "
                    + String.join(", ", stepNames) + "); use a node id, title or class and an input that one of the steps has");
        }
    }

    /** A node matching the target (id, else title, else class) that has the input; ambiguity is left to the override's own error. */
    private static boolean resolves(Workflow workflow, WorkflowOverrides.InputOverride o) {
        if (workflow.node(o.target()).isPresent()) {
            return workflow.node(o.target()).get().inputs().has(o.input());
        }
        List<WorkflowNode> byTitle = workflow.nodes().stream().filter(n -> o.target().equals(n.title())).toList();
        List<WorkflowNode> candidates = !byTitle.isEmpty() ? byTitle
                : workflow.nodes().stream().filter(n -> o.target().equals(n.classType())).toList();
        return candidates.stream().anyMatch(n -> n.inputs().has(o.input()));
    }
}
