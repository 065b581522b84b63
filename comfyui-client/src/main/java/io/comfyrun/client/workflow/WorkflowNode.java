package io.comfyrun.client.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One node of an API-format workflow.
 *
 * @param id        the node id as ComfyUI knows it ({@code "3"}, or {@code "12:5"} for subgraph nodes)
 * @param classType the node class, e.g. {@code KSampler}
 * @param title     {@code _meta.title} when the export carries one, else {@code null}
 * @param inputs    the node's inputs (a read-only view is not enforced: callers must not mutate it)
 */
public record WorkflowNode(String id, String classType, String title, ObjectNode inputs) {

    /** The title when present, else the class: what a person sees on the node in the ComfyUI editor. */
    public String displayName() {
        return title != null && !title.isBlank() ? title : classType;
    }

    /** {@code 3 KSampler} or {@code 6 CLIPTextEncode "Positive Prompt"}: how errors name a node. */
    public String describe() {
        return title != null && !title.isBlank() && !title.equals(classType)
                ? id + " " + classType + " \"" + title + "\""
                : id + " " + classType;
    }
}
