package io.jenkins.plugins.comfyrun;

import io.comfyrun.client.Outcome;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptError;
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

    /** The one line an unsuccessful prompt fails the step with (an AbortException prints just this). */
    static String failureLine(PromptResult r, String serverLabel) {
        String id = r.promptId();
        String first = r.firstError();
        String what = switch (r.outcome()) {
            case REJECTED -> "was rejected by the server";
            case FAILED -> "failed";
            case INTERRUPTED -> "was interrupted on the server";
            case LOST -> "was lost (the server no longer knows it: restarted or queue cleared?)";
            case TIMED_OUT -> "timed out";
            case UNREACHABLE -> "could not be tracked: the server is unreachable";
            case SUCCESS -> "succeeded";
        };
        StringBuilder b = new StringBuilder("ComfyUI prompt ").append(id).append(" on ").append(serverLabel).append(' ').append(what);
        if (r.outcome() == Outcome.REJECTED && r.errors().size() > 1) {
            b.append(": ");
            List<String> parts = new ArrayList<>();
            for (PromptError e : r.errors()) {
                parts.add(e.describe());
            }
            b.append(String.join("; ", parts));
        } else if (!first.isEmpty()) {
            b.append(": ").append(first);
        }
        return b.toString();
    }
}
