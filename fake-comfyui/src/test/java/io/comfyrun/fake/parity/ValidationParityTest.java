package io.comfyrun.fake.parity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.catalog.NodeCatalog;
import io.comfyrun.fake.catalog.ServerFiles;
import io.comfyrun.fake.validation.PromptValidator;
import io.comfyrun.fake.validation.ValidationResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code POST /prompt} of the recordings, validated by {@link PromptValidator}: the 400 bodies must
 * be byte-for-byte what ComfyUI sent (same keys, order, number types, messages), the 200s must carry the
 * same {@code node_errors}, and the prompts stored in history and queue must equal the validated prompt.
 */
class ValidationParityTest {

    /**
     * 70_dup_clientid logs {@code color: 0} for its first POST, but the server stored {@code color: 255}:
     * the tracer changed its request object after logging it. The two POSTs there are otherwise identical.
     */
    private static final java.util.Set<String> KNOWN_RECORDING_ARTIFACTS = java.util.Set.of("70_dup_clientid hist_preview");

    private final ServerFiles files = ServerFiles.defaults();
    private final PromptValidator validator = new PromptValidator(NodeCatalog.core(files), files);

    @TestFactory
    Stream<DynamicTest> everyRecordedPostPromptGetsTheRecordedAnswer() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : TraceFile.ALL) {
            for (TraceFile.Http h : TraceFile.load(name).http()) {
                if (!isPostPrompt(h)) {
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(name + " " + h.label(), () -> {
                    ValidationResult result = validate(h.req());
                    if (h.status() == 400) {
                        assertThat(result).isInstanceOf(ValidationResult.Rejected.class);
                        assertThat(json(((ValidationResult.Rejected) result).body())).isEqualTo(json(h.json()));
                    } else {
                        assertThat(h.status()).isEqualTo(200);
                        assertThat(result).isInstanceOf(ValidationResult.Accepted.class);
                        assertThat(json(((ValidationResult.Accepted) result).nodeErrors()))
                                .isEqualTo(json(h.json().get("node_errors")));
                    }
                }));
            }
        }
        assertThat(tests).hasSizeGreaterThan(30);
        return tests.stream();
    }

    /** History and queue entries hold {@code [number, id, prompt, extra_data, outputs_to_execute]}. */
    @TestFactory
    Stream<DynamicTest> storedPromptsEqualTheValidatedPrompt() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : TraceFile.ALL) {
            Map<String, JsonNode> requestsById = new HashMap<>();
            for (TraceFile.Http h : TraceFile.load(name).http()) {
                if (isPostPrompt(h) && h.status() == 200) {
                    requestsById.put(h.json().get("prompt_id").asText(), h.req());
                }
                if (!h.method().equals("GET") || !(h.path().contains("history") || h.path().contains("queue"))) {
                    continue;
                }
                for (JsonNode tuple : promptTuples(h.json())) {
                    JsonNode request = requestsById.get(tuple.get(1).asText());
                    if (request == null) {
                        continue; // posted in an earlier recording
                    }
                    if (KNOWN_RECORDING_ARTIFACTS.contains(name + " " + h.label())) {
                        continue;
                    }
                    tests.add(DynamicTest.dynamicTest(name + " " + h.label() + " " + tuple.get(1).asText(), () -> {
                        ValidationResult.Accepted accepted = (ValidationResult.Accepted) validate(request);
                        assertThat(json(accepted.validatedPrompt())).isEqualTo(json(tuple.get(2)));
                        assertThat(accepted.outputsToExecute())
                                .containsExactlyInAnyOrderElementsOf(texts(tuple.get(4)));
                    }));
                }
            }
        }
        assertThat(tests).hasSizeGreaterThan(10);
        return tests.stream();
    }

    private ValidationResult validate(JsonNode request) {
        List<String> targets = request.has("partial_execution_targets")
                ? texts(request.get("partial_execution_targets")) : null;
        return validator.validate(request.get("prompt"), targets);
    }

    private static boolean isPostPrompt(TraceFile.Http h) {
        return h.method().equals("POST") && (h.path().equals("/prompt") || h.path().equals("/api/prompt"));
    }

    private static List<JsonNode> promptTuples(JsonNode body) {
        List<JsonNode> tuples = new ArrayList<>();
        if (body == null) {
            return tuples;
        }
        for (String queue : List.of("queue_running", "queue_pending")) {
            body.path(queue).forEach(tuples::add);
        }
        if (!body.has("queue_running")) {
            body.forEach(entry -> {
                if (entry.has("prompt")) {
                    tuples.add(entry.get("prompt"));
                }
            });
        }
        return tuples;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static String json(JsonNode node) throws JsonProcessingException {
        return TraceFile.JSON.writeValueAsString(node);
    }
}
