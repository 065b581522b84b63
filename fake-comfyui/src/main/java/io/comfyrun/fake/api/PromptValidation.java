package io.comfyrun.fake.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** POST /prompt validation, as ComfyUI's {@code validate_prompt}; backed by the catalogue's validator. */
@FunctionalInterface
public interface PromptValidation {

    sealed interface Outcome {
        record Accepted(ObjectNode validatedPrompt, List<String> outputsToExecute, ObjectNode nodeErrors)
                implements Outcome { }

        record Rejected(ObjectNode body) implements Outcome { }
    }

    Outcome validate(JsonNode promptField, List<String> partialExecutionTargets);
}
