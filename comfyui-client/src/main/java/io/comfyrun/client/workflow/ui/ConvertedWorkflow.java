package io.comfyrun.client.workflow.ui;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import java.util.Objects;

/**
 * The result of converting a UI-format workflow: the API prompt the editor would send for it and the UI graph
 * itself, which goes into {@code extra_data.extra_pnginfo.workflow} so that output PNGs embed it as the editor's do.
 *
 * @param prompt          the API-format graph ({@code {"3": {"inputs": ..., "class_type": ..., "_meta": {"title": ...}}}})
 * @param uiWorkflow      the UI graph as read (not modified)
 * @param catalogueSource whose {@code /object_info} decided the widget names: a server URL or a file
 */
public record ConvertedWorkflow(ObjectNode prompt, ObjectNode uiWorkflow, String catalogueSource) {

    public ConvertedWorkflow {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(uiWorkflow, "uiWorkflow");
    }

    /** {@code {"extra_pnginfo": {"workflow": <UI graph>}}}, the {@code extra_data} the editor posts with the prompt. */
    public ObjectNode extraData() {
        ObjectNode extra = Json.MAPPER.createObjectNode();
        extra.putObject("extra_pnginfo").set("workflow", uiWorkflow.deepCopy());
        return extra;
    }
}
