package io.comfyrun.client.progress;

import io.comfyrun.client.OutputRef;
import io.comfyrun.client.TrackingMethod;

import java.time.Duration;
import java.util.List;

/**
 * An immutable view of a prompt's progress at one moment (for a build page or a status call).
 *
 * @param promptId         the prompt
 * @param phase            submitting, queued, running or done
 * @param queuePosition    1-based position among pending prompts sorted by number (0 when not queued or unknown)
 * @param queueTotal       pending + running prompts on the server when last seen (0 when unknown)
 * @param nodes            every node of the workflow, in workflow order
 * @param currentNode      the running node, or {@code null}
 * @param workflowFraction 0.0 .. 1.0
 * @param eta              estimated remaining time of the whole workflow, or {@code null} when unknown
 * @param outputs          outputs produced so far
 * @param method           tracking method so far
 */
public record PromptProgress(String promptId, PromptPhase phase, int queuePosition, int queueTotal,
                             List<NodeProgress> nodes, NodeRef currentNode, double workflowFraction, Duration eta,
                             List<OutputRef> outputs, TrackingMethod method) {

    public PromptProgress {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
    }

    /** Whole-workflow percent, 0..100. */
    public int percent() {
        return (int) Math.floor(Math.max(0, Math.min(1, workflowFraction)) * 100);
    }
}
