package io.jenkins.plugins.comfyrun;

import io.comfyrun.client.NodeRun;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.PromptResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The value {@code comfyRun} returns to the Pipeline script: a {@link LinkedHashMap} of plain types only (String,
 * Long, Boolean, ArrayList, LinkedHashMap), so it is Serializable for program.dat and usable in the sandbox without
 * approvals. Holds no secret: the server is its configured name (or credential-free URL).
 */
final class StepResult {
    private StepResult() {
    }

    /** A downloaded output: workspace-relative path (null when not downloaded) and size in bytes (-1 when unknown). */
    record Written(String path, long size) {
    }

    static LinkedHashMap<String, Object> toMap(PromptResult r, String serverLabel, Map<OutputRef, Written> written) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("status", r.outcome().name());
        m.put("promptId", r.promptId());
        m.put("server", serverLabel);
        m.put("method", r.method().name().toLowerCase(Locale.ROOT));
        m.put("durationMillis", r.duration().toMillis());
        ArrayList<Object> nodes = new ArrayList<>();
        for (NodeRun n : r.nodes()) {
            LinkedHashMap<String, Object> node = new LinkedHashMap<>();
            node.put("id", n.id());
            node.put("class", n.classType());
            node.put("title", n.title());
            node.put("cached", n.cached());
            node.put("millis", n.millis());
            nodes.add(node);
        }
        m.put("nodes", nodes);
        ArrayList<Object> outputs = new ArrayList<>();
        for (OutputRef o : r.outputs()) {
            Written w = written.get(o);
            LinkedHashMap<String, Object> out = new LinkedHashMap<>();
            out.put("node", o.nodeId());
            out.put("filename", o.filename());
            out.put("subfolder", o.subfolder());
            out.put("type", o.type());
            out.put("path", w == null ? null : w.path());
            out.put("size", w == null ? -1L : w.size());
            outputs.add(out);
        }
        m.put("outputs", outputs);
        ArrayList<Object> errors = new ArrayList<>();
        for (PromptError e : r.errors()) {
            LinkedHashMap<String, Object> err = new LinkedHashMap<>();
            err.put("type", e.type());
            err.put("node", e.nodeId());
            err.put("class", e.classType());
            err.put("title", e.title());
            err.put("input", e.input());
            err.put("message", e.message());
            errors.add(err);
        }
        m.put("errors", errors);
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
