package io.comfyrun.client.workflow.ui;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The two shapes a ComfyUI workflow file comes in: what the editor saves ({@link #UI}: top-level {@code nodes} and
 * {@code links}, widget values by position) and what {@code POST /prompt} takes ({@link #API}: nodes keyed by id,
 * each with {@code class_type} and named {@code inputs}).
 */
public enum WorkflowFormat {
    API("API format"),
    UI("UI format (as saved from the editor)");

    private final String label;

    WorkflowFormat(String label) {
        this.label = label;
    }

    /** How a person reads it: "API format", "UI format (as saved from the editor)". */
    public String label() {
        return label;
    }

    /**
     * UI when the root has a {@code nodes} array and one of the editor's companions ({@code links},
     * {@code last_node_id}, {@code version}, {@code definitions}); API otherwise (the API parser reports what is
     * wrong with anything else).
     */
    public static WorkflowFormat detect(JsonNode root) {
        if (root != null && root.isObject() && root.path("nodes").isArray()
                && (root.has("links") || root.has("last_node_id") || root.has("version") || root.has("definitions"))) {
            return UI;
        }
        return API;
    }
}
