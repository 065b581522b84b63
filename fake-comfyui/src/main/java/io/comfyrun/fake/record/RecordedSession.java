package io.comfyrun.fake.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.execution.ReplayScript;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.json.StrictFields;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code recordings} of a session file written by {@code fake-comfyui record}: for each workflow run seen, the
 * workflow, every frame from {@code execution_start} to the terminal message with its offset, the history entry and
 * the output files' sizes. A session file is a scenario file (it may also hold {@code object_info}, the upstream's
 * node catalogue, and any scenario option), so {@code --scenario session.json} replays it.
 *
 * <pre>{@code
 * {"object_info": {...},
 *  "recordings": [{"prompt_id": "...", "prompt": {"3": {"class_type": "KSampler", "inputs": {...}}, ...},
 *                  "frames": [{"at_ms": 0.0, "type": "execution_start", "text": "{\"type\": ...}"},
 *                             {"at_ms": 812.5, "binary": "AAAAAQAAAAH/2P/g..."}, ...],
 *                  "status": {"status_str": "success", "completed": true, "messages": [...]},
 *                  "outputs": {...}, "meta": {...},
 *                  "files": [{"filename": "ComfyUI_00001_.png", "subfolder": "", "type": "output",
 *                             "bytes": 40321, "content_type": "image/png", "width": 512, "height": 512}]}]}
 * }</pre>
 */
public final class RecordedSession implements ReplayScript.Source {

    private static final Set<String> RECORDING_FIELDS = Set.of("prompt_id", "prompt", "frames", "status", "outputs",
            "meta", "files");
    private static final Set<String> FRAME_FIELDS = Set.of("at_ms", "type", "text", "binary");
    private static final Set<String> FILE_FIELDS = Set.of("filename", "subfolder", "type", "bytes", "content_type",
            "width", "height");

    /** Recordings by their normalised workflow; a workflow recorded twice plays its first recording. */
    private final Map<JsonNode, ReplayScript> byWorkflow = new LinkedHashMap<>();

    private RecordedSession() {
    }

    /** Reads the {@code recordings} array of a session file, strictly (unknown fields name themselves). */
    public static RecordedSession fromJson(JsonNode recordings) {
        RecordedSession s = new RecordedSession();
        if (recordings == null || !recordings.isArray()) {
            throw new IllegalArgumentException("recordings must be a JSON array, got: " + recordings);
        }
        int i = 0;
        for (JsonNode r : recordings) {
            try {
                StrictFields f = StrictFields.of(r, "recording", RECORDING_FIELDS);
                JsonNode prompt = f.get("prompt");
                if (prompt == null || !prompt.isObject()) {
                    throw new IllegalArgumentException("prompt in recording must be the workflow (API format)");
                }
                s.byWorkflow.putIfAbsent(normalise(prompt), script(f));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("recordings[" + i + "]: " + e.getMessage(), e);
            }
            i++;
        }
        return s;
    }

    public int size() {
        return byWorkflow.size();
    }

    @Override
    public ReplayScript find(ObjectNode prompt) {
        return byWorkflow.get(normalise(prompt));
    }

    /** Only what decides the run: each node's class and inputs ({@code _meta} titles and the like do not). */
    static JsonNode normalise(JsonNode prompt) {
        ObjectNode n = PythonJson.object();
        for (Iterator<Map.Entry<String, JsonNode>> it = prompt.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ObjectNode node = n.putObject(e.getKey());
            node.set("class_type", e.getValue().path("class_type"));
            node.set("inputs", e.getValue().path("inputs"));
        }
        return n;
    }

    private static ReplayScript script(StrictFields r) {
        String promptId = r.text("prompt_id");
        if (promptId == null) {
            throw new IllegalArgumentException("prompt_id in recording is missing");
        }
        List<ReplayScript.Frame> frames = new ArrayList<>();
        JsonNode fs = r.get("frames");
        if (fs == null || !fs.isArray()) {
            throw new IllegalArgumentException("frames in recording must be an array");
        }
        for (JsonNode fn : fs) {
            StrictFields f = StrictFields.of(fn, "frame", FRAME_FIELDS);
            Double at = f.number("at_ms", 0, Double.MAX_VALUE);
            if (at == null) {
                throw new IllegalArgumentException("at_ms in frame is missing");
            }
            String text = f.text("text");
            String binary = f.text("binary");
            if ((text == null) == (binary == null)) {
                throw new IllegalArgumentException("a frame has either \"text\" (with \"type\") or \"binary\" (base64)");
            }
            if (text != null) {
                String type = f.text("type");
                if (type == null) {
                    throw new IllegalArgumentException("type in a text frame is missing");
                }
                frames.add(new ReplayScript.Frame(at, type, text.getBytes(StandardCharsets.UTF_8)));
            } else {
                frames.add(new ReplayScript.Frame(at, null, Base64.getDecoder().decode(binary)));
            }
        }
        StrictFields status = StrictFields.of(r.get("status"), "status of recording",
                Set.of("status_str", "completed", "messages"));
        List<ReplayScript.OutputFile> files = new ArrayList<>();
        JsonNode fl = r.get("files");
        if (fl != null) {
            for (JsonNode fn : fl) {
                StrictFields f = StrictFields.of(fn, "file", FILE_FIELDS);
                String type = f.text("type");
                if (!"output".equals(type) && !"temp".equals(type) && !"input".equals(type)) {
                    throw new IllegalArgumentException("type in file must be output, temp or input, got: " + type);
                }
                Long bytes = f.longValue("bytes");
                Integer w = f.integer("width");
                Integer h = f.integer("height");
                files.add(new ReplayScript.OutputFile(f.text("filename"), f.text("subfolder") == null ? ""
                        : f.text("subfolder"), type, bytes == null ? 0 : bytes, f.text("content_type"),
                        w == null ? 0 : w, h == null ? 0 : h));
            }
        }
        JsonNode messages = status.get("messages");
        JsonNode outputs = r.get("outputs");
        JsonNode meta = r.get("meta");
        return new ReplayScript(promptId, frames, status.text("status_str") == null ? "success"
                : status.text("status_str"), Boolean.TRUE.equals(status.bool("completed")),
                outputs != null && outputs.isObject() ? (ObjectNode) outputs : PythonJson.object(),
                messages != null && messages.isArray() ? (ArrayNode) messages : PythonJson.array(),
                meta != null && meta.isObject() ? (ObjectNode) meta : PythonJson.object(), files);
    }
}
