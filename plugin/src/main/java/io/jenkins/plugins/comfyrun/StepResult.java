package io.jenkins.plugins.comfyrun;

import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.ResultMaps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value {@code comfyRun} returns to the Pipeline script: a {@link LinkedHashMap} of plain types only (String,
 * Long, Boolean, ArrayList, LinkedHashMap), so it is Serializable for program.dat and usable in the sandbox without
 * approvals (the engine's {@link ResultMaps} guarantees plain values). Holds no secret: the server is its configured
 * name (or credential-free URL).
 */
final class StepResult {
    private StepResult() {
    }

    /** A downloaded output: workspace-relative path (null when not downloaded) and size in bytes (-1 when unknown). */
    record Written(String path, long size) {
    }

    /**
     * The engine's plain map ({@link ResultMaps}: status, success, promptId, server, method, durationMillis, nodes,
     * outputs, errors) with each output completed by its workspace {@code path} (null when not downloaded) and
     * {@code size} (-1 when unknown).
     */
    @SuppressWarnings("unchecked")
    static LinkedHashMap<String, Object> toMap(PromptResult r, String serverLabel, Map<OutputRef, Written> written) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>(ResultMaps.toPlainMap(r, serverLabel));
        ArrayList<Object> outputs = new ArrayList<>();
        List<Object> plain = (List<Object>) m.get("outputs");
        for (int i = 0; i < r.outputs().size(); i++) {
            LinkedHashMap<String, Object> out = new LinkedHashMap<>((Map<String, Object>) plain.get(i));
            Written w = written.get(r.outputs().get(i));
            out.put("path", w == null ? null : w.path());
            out.put("size", w == null ? -1L : w.size());
            outputs.add(out);
        }
        m.put("outputs", outputs);
        return m;
    }
}
