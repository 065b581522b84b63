package io.comfyrun.client.workflow.ui;

/** A node whose class the catalogue (the target server) does not have: a custom node not installed there. */
public final class UnknownNodeClassException extends UiConversionException {
    private static final long serialVersionUID = 1L;

    public UnknownNodeClassException(String message, String nodeId, String title, String classType) {
        super(message, nodeId, title, classType);
    }
}
