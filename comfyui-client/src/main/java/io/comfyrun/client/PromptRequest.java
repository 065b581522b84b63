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
 */
public record PromptRequest(ObjectNode workflow, Deadlines deadlines, Consumer<PromptSnapshot> beforeSubmit) {

    public PromptRequest {
        Objects.requireNonNull(workflow, "workflow");
        if (workflow.isEmpty()) {
            throw new IllegalArgumentException("workflow is empty: expected an API-format graph of nodes");
        }
        deadlines = deadlines == null ? Deadlines.DEFAULTS : deadlines;
    }

    public static PromptRequest of(ObjectNode workflow) {
        return new PromptRequest(workflow, null, null);
    }

    public PromptRequest withDeadlines(Deadlines d) {
        return new PromptRequest(workflow, d, beforeSubmit);
    }

    public PromptRequest withBeforeSubmit(Consumer<PromptSnapshot> callback) {
        return new PromptRequest(workflow, deadlines, callback);
    }
}
