package io.comfyrun.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * One workflow to run.
 *
 * @param workflow     the API-format graph ({@code {"3": {"class_type": ..., "inputs": {...}}, ...}}), overrides
 *                     already applied; it is not modified
 * @param deadlines    per-phase limits
 * @param beforeSubmit called once with the snapshot holding the client-generated {@code prompt_id} BEFORE the
 *                     {@code POST /prompt}, so a durable caller (the Jenkins step) can persist it and never
 *                     submit twice after a restart; may be {@code null}. Runs on the caller's thread inside
 *                     {@link ComfyClient#submit}; if it throws, nothing is submitted.
 * @param extraData    the {@code extra_data} of {@code POST /prompt} besides the client id, e.g.
 *                     {@code {"extra_pnginfo": {"workflow": <UI graph>}}} for a workflow converted from the editor's
 *                     format, so that output PNGs embed it; may be {@code null}
 */
public record PromptRequest(ObjectNode workflow, Deadlines deadlines, Consumer<PromptSnapshot> beforeSubmit,
                            ObjectNode extraData) {

    public PromptRequest {
        Objects.requireNonNull(workflow, "workflow");
        if (workflow.isEmpty()) {
            throw new IllegalArgumentException("workflow is empty: expected an API-format graph of nodes");
        }
        deadlines = deadlines == null ? Deadlines.DEFAULTS : deadlines;
    }

    public PromptRequest(ObjectNode workflow, Deadlines deadlines, Consumer<PromptSnapshot> beforeSubmit) {
        this(workflow, deadlines, beforeSubmit, null);
    }

    public static PromptRequest of(ObjectNode workflow) {
        return new PromptRequest(workflow, null, null);
    }

    public PromptRequest withDeadlines(Deadlines d) {
        return new PromptRequest(workflow, d, beforeSubmit, extraData);
    }

    public PromptRequest withBeforeSubmit(Consumer<PromptSnapshot> callback) {
        return new PromptRequest(workflow, deadlines, callback, extraData);
    }

    /** With {@code extra_data} fields for {@code POST /prompt} (the engine adds {@code client_id} itself). */
    public PromptRequest withExtraData(ObjectNode extra) {
        return new PromptRequest(workflow, deadlines, beforeSubmit, extra);
    }

    /**
     * The fields this request puts in the {@code POST /prompt} body: {@code prompt} and, when set, {@code extra_data}.
     * The engine adds {@code client_id} and {@code prompt_id}.
     */
    public ObjectNode bodyFields() {
        ObjectNode body = io.comfyrun.client.http.Json.MAPPER.createObjectNode();
        body.set("prompt", workflow);
        if (extraData != null && !extraData.isEmpty()) {
            body.set("extra_data", extraData.deepCopy());
        }
        return body;
    }
}
