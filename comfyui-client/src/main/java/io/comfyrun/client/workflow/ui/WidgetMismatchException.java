package io.comfyrun.client.workflow.ui;

/**
 * A node whose saved widget values do not fit the catalogue's widgets for its class (too many values, values that do
 * not line up, a missing value without a default): the node was saved against another version of the class.
 */
public final class WidgetMismatchException extends UiConversionException {
    private static final long serialVersionUID = 1L;

    public WidgetMismatchException(String message, String nodeId, String title, String classType) {
        super(message, nodeId, title, classType);
    }
}
