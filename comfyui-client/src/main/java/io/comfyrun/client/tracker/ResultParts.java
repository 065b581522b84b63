package io.comfyrun.client.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.progress.NodeRef;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Turns ComfyUI's output and error JSON into {@link OutputRef}s and {@link PromptError}s. */
public final class ResultParts {

    private static final int TRACEBACK_LINES = 4;

    private ResultParts() {
    }

    /**
     * Files listed in a node's UI output ({@code {"images": [{filename, subfolder, type}], "gifs": [...]}}).
     * Items of type {@code temp} are PreviewImage previews, not outputs; non-file keys ({@code text},
     * {@code animated}) are skipped.
     */
    public static List<OutputRef> outputs(String nodeId, JsonNode ui) {
        List<OutputRef> out = new ArrayList<>();
        if (ui == null || !ui.isObject()) {
            return out;
        }
        Iterator<Map.Entry<String, JsonNode>> it = ui.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isArray()) {
                continue;
            }
            for (JsonNode item : e.getValue()) {
                String filename = Json.text(item, "filename");
                if (filename == null) {
                    continue;
                }
                String type = item.path("type").asText("output");
                if (type.equals("temp")) {
                    continue;
                }
                out.add(new OutputRef(nodeId, filename, item.path("subfolder").asText(""), type, e.getKey()));
            }
        }
        return out;
    }

    /** Every output file of a {@code /history} entry, in node order. */
    public static List<OutputRef> historyOutputs(JsonNode entry) {
        List<OutputRef> out = new ArrayList<>();
        entry.path("outputs").fields().forEachRemaining(e -> out.addAll(outputs(e.getKey(), e.getValue())));
        return out;
    }

    /** The errors of a 400 (or a 200 with node_errors) answer to {@code POST /prompt}, one per node input. */
    public static List<PromptError> validationErrors(JsonNode body, Function<String, NodeRef> nodes) {
        List<PromptError> errors = new ArrayList<>();
        body.path("node_errors").fields().forEachRemaining(ne -> {
            String nodeId = ne.getKey();
            NodeRef ref = nodes.apply(nodeId);
            String cls = ne.getValue().path("class_type").asText(ref == null ? null : ref.classType());
            String title = ref == null ? cls : ref.title();
            for (JsonNode err : ne.getValue().path("errors")) {
                String input = Json.text(err.path("extra_info"), "input_name");
                errors.add(new PromptError(Json.text(err, "type"), nodeId, cls, title, input,
                        Json.text(err, "message"), Json.text(err, "details")));
            }
        });
        JsonNode top = body.path("error");
        if (errors.isEmpty()) {
            if (top.isObject()) {
                errors.add(new PromptError(Json.text(top, "type"), null, null, null, null, Json.text(top, "message"),
                        Json.text(top, "details")));
            } else if (top.isTextual()) {
                errors.add(new PromptError("invalid_prompt", null, null, null, null, top.asText(), ""));
            }
        }
        return errors;
    }

    /** A failed node ({@code execution_error} with a timestamp), with a short excerpt of the traceback. */
    public static PromptError executionError(ServerMessage.ExecutionError e, NodeRef ref) {
        String cls = e.nodeType() != null ? e.nodeType() : ref == null ? null : ref.classType();
        String title = ref == null ? cls : ref.title();
        return new PromptError(e.exceptionType(), e.nodeId(), cls, title, null, e.message(),
                tracebackExcerpt(e.traceback()));
    }

    /** The {@code execution_error} recorded in a history entry's status messages, as a message. */
    public static ServerMessage.ExecutionError historyError(JsonNode data) {
        List<String> tb = new ArrayList<>();
        data.path("traceback").forEach(n -> tb.add(n.asText()));
        return new ServerMessage.ExecutionError(Json.text(data, "prompt_id"), Json.text(data, "node_id"),
                Json.text(data, "node_type"), Json.text(data, "exception_type"), Json.text(data, "exception_message"),
                tb, true);
    }

    /** The last few lines of the innermost frames: where it broke, without the server's whole stack. */
    static String tracebackExcerpt(List<String> traceback) {
        if (traceback == null || traceback.isEmpty()) {
            return "";
        }
        List<String> lines = new ArrayList<>();
        // Caret lines (^^^^, Python 3.11+) only underline the line above them.
        traceback.forEach(entry -> entry.lines().map(String::stripTrailing)
                .filter(l -> !l.isBlank() && !l.strip().matches("[~^]+")).forEach(lines::add));
        int from = Math.max(0, lines.size() - TRACEBACK_LINES);
        return String.join("\n", lines.subList(from, lines.size()));
    }
}
