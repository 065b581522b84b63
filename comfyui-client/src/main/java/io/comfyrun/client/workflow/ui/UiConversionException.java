package io.comfyrun.client.workflow.ui;

import io.comfyrun.client.workflow.InvalidWorkflowException;

/**
 * A UI-format workflow that cannot be converted to API format without guessing. The message names the file, the
 * node (id, title, class) and what to do; the fields carry the same for programs.
 */
public class UiConversionException extends InvalidWorkflowException {
    private static final long serialVersionUID = 1L;

    private final String nodeId;
    private final String title;
    private final String classType;

    public UiConversionException(String message, String nodeId, String title, String classType) {
        super(message);
        this.nodeId = nodeId;
        this.title = title;
        this.classType = classType;
    }

    /** The node's id as the API prompt would have it ({@code 12}, or {@code 5:3} inside a subgraph); may be null. */
    public String nodeId() {
        return nodeId;
    }

    public String title() {
        return title;
    }

    public String classType() {
        return classType;
    }
}
