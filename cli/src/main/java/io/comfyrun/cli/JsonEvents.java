package io.comfyrun.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.ResultMaps;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.log.LogFormat;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --json}: one JSON object per line for every engine event ({@code "event": "submitted"}, ...), then
 * one {@code "event": "result"} object for the whole run. Field names are stable; server URLs are shown
 * without credentials.
 */
final class JsonEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;

    JsonEvents(PrintStream out) {
        this.out = out;
    }

    /** A listener writing the events of the job named {@code job}. */
    ProgressListener listener(String job) {
        return event -> write(toMap(job, event));
    }

    synchronized void write(Map<String, Object> object) {
        try {
            out.println(JSON.writeValueAsString(object));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON event", e);
        }
    }

    static Map<String, Object> toMap(String job, PromptEvent event) {
        Map<String, Object> m = new LinkedHashMap<>();
        String type = event.getClass().getSimpleName();
        m.put("event", snake(type));
        m.put("job", job);
        m.put("promptId", event.promptId());
        if (event instanceof PromptEvent.Submitted e) {
            m.put("server", LogFormat.server(e.server()));
            m.put("method", e.method().label());
        } else if (event instanceof PromptEvent.Queued e) {
            m.put("position", e.position());
            m.put("total", e.total());
        } else if (event instanceof PromptEvent.Heartbeat e) {
            m.put("phase", e.phase().name().toLowerCase(Locale.ROOT));
            m.put("elapsedMillis", e.elapsed() == null ? null : e.elapsed().toMillis());
        } else if (event instanceof PromptEvent.Started e) {
            m.put("cached", e.cached().stream().map(JsonEvents::node).toList());
        } else if (event instanceof PromptEvent.NodeStarted e) {
            m.put("node", node(e.node()));
        } else if (event instanceof PromptEvent.StepProgress e) {
            m.put("node", node(e.node()));
            m.put("value", e.value());
            m.put("max", e.max());
            m.put("workflowPercent", LogFormat.percent(e.workflowFraction()));
            m.put("etaMillis", e.eta() == null ? null : e.eta().toMillis());
        } else if (event instanceof PromptEvent.NodeFinished e) {
            m.put("node", node(e.node()));
            m.put("millis", e.measured() ? e.millis() : null);
        } else if (event instanceof PromptEvent.OutputProduced e) {
            m.put("node", node(e.node()));
            m.put("outputs", outputs(e.outputs()));
            m.put("fromCache", e.fromCache());
        } else if (event instanceof PromptEvent.ConnectionLost e) {
            m.put("server", LogFormat.server(e.server()));
            m.put("reason", e.reason());
        } else if (event instanceof PromptEvent.ConnectionRestored e) {
            m.put("server", LogFormat.server(e.server()));
            m.put("downMillis", e.downFor() == null ? null : e.downFor().toMillis());
        } else if (event instanceof PromptEvent.TrackingChanged e) {
            m.put("method", e.method().label());
        } else if (event instanceof PromptEvent.Finished e) {
            m.put("result", ResultMaps.toPlainMap(e.result(), LogFormat.server(e.result().server())));
        }
        return m;
    }

    static Map<String, Object> node(NodeRef n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", n.id());
        m.put("classType", n.classType());
        m.put("title", n.title());
        return m;
    }

    static List<Map<String, Object>> outputs(List<OutputRef> outputs) {
        return outputs.stream().map(o -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("nodeId", o.nodeId());
            m.put("filename", o.filename());
            m.put("subfolder", o.subfolder());
            m.put("type", o.type());
            return m;
        }).toList();
    }

    /** {@code StepProgress} → {@code step_progress}. */
    static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }
}
