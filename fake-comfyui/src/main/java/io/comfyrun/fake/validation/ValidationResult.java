package io.comfyrun.fake.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The outcome of validating a {@code POST /prompt} body, as ComfyUI's {@code validate_prompt} decides it. */
public sealed interface ValidationResult {

    /**
     * The prompt is queued: answer 200 {@code {"prompt_id", "number", "node_errors"}}.
     *
     * @param validatedPrompt  the prompt as ComfyUI stores it: a copy with widget values coerced to their
     *                         declared types ({@code cfg: 8 -> 8.0}) on every node validation reached
     * @param outputsToExecute the output node ids that passed validation (history prompt element 4)
     * @param nodeErrors       {@code {}}, or the errors of the outputs that failed while others passed
     */
    record Accepted(ObjectNode validatedPrompt, List<String> outputsToExecute, ObjectNode nodeErrors)
            implements ValidationResult {
        public Accepted {
            outputsToExecute = List.copyOf(outputsToExecute);
        }
    }

    /** The prompt is refused: answer 400 with exactly {@code body} ({@code {"error", "node_errors"}}). */
    record Rejected(ObjectNode body) implements ValidationResult {
        /** {@code error.type}, e.g. {@code prompt_outputs_failed_validation}. */
        public String errorType() {
            return body.path("error").path("type").asText();
        }
    }

    /**
     * ComfyUI itself raises while validating (e.g. {@code "prompt": null} or a node that is not an
     * object); the real server answers 500 {@code text/plain} "500 Internal Server Error\n\nServer got
     * itself in trouble". {@code reason} is the Python exception, for the journal and logs only.
     */
    record Crashed(String reason) implements ValidationResult {
    }
}
