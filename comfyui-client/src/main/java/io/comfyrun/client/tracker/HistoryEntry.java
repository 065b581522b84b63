package io.comfyrun.client.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.OutputRef;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A prompt's {@code /history/{id}} entry, parsed once from the server's JSON: the status messages that matter to the
 * outcome, the recorded {@code status_str}, and every output file. It tells which nodes were cached or failed and
 * what they wrote, not when. An immutable value.
 *
 * @param cachedBatches the node ids of each {@code execution_cached} message, in order
 * @param error         the last {@code execution_error} message, or null
 * @param interrupted   an {@code execution_interrupted} message is recorded
 * @param status        the recorded {@code status_str}
 * @param hasMessages   the entry records any status message (the prompt reached the executor)
 * @param outputs       every output file, in node order
 */
record HistoryEntry(List<List<String>> cachedBatches, ServerMessage.ExecutionError error, boolean interrupted,
                    Status status, boolean hasMessages, List<OutputRef> outputs) {

    /** ComfyUI's {@code status_str}; absent or anything else reads as {@link #UNKNOWN}. */
    enum Status {
        SUCCESS, ERROR, UNKNOWN;

        static Status of(String s) {
            if ("success".equals(s)) {
                return SUCCESS;
            }
            return "error".equals(s) ? ERROR : UNKNOWN;
        }
    }

    static HistoryEntry parse(JsonNode entry) {
        JsonNode status = entry.path("status");
        JsonNode messages = status.path("messages");
        List<List<String>> cached = new ArrayList<>(1);
        JsonNode error = null;
        boolean interrupted = false;
        for (JsonNode m : messages) {
            String type = m.path(0).asText();
            JsonNode data = m.path(1);
            if (type.equals("execution_cached")) {
                List<String> ids = new ArrayList<>(data.path("nodes").size());
                data.path("nodes").forEach(id -> ids.add(id.asText()));
                cached.add(ids);
            } else if (type.equals("execution_error")) {
                error = data;
            } else if (type.equals("execution_interrupted")) {
                interrupted = true;
            }
        }
        return new HistoryEntry(cached, error == null ? null : ResultParts.historyError(error), interrupted,
                Status.of(status.path("status_str").asText(null)), messages.size() > 0,
                ResultParts.historyOutputs(entry));
    }

    /** An {@code execution_error} is recorded: the prompt failed at the node it names. */
    boolean failedAtNode() {
        return error != null;
    }

    /** The server recorded the prompt as failed with no error message to say why. */
    boolean recordedFailedWithoutDetails() {
        return error == null && !interrupted && status == Status.ERROR;
    }

    /** Neither an error, nor an interrupt, nor a failed status is recorded. */
    boolean succeeded() {
        return error == null && !interrupted && status != Status.ERROR;
    }

    /** The output files not among {@code known}, grouped by the node that wrote them, in node order. */
    Map<String, List<OutputRef>> outputsNotIn(List<OutputRef> known) {
        Map<String, List<OutputRef>> fresh = new LinkedHashMap<>();
        for (OutputRef o : outputs) {
            if (!known.contains(o)) {
                fresh.computeIfAbsent(o.nodeId(), k -> new ArrayList<>()).add(o);
            }
        }
        return fresh;
    }

    /** This node wrote at least one output file. */
    boolean wrote(String nodeId) {
        for (OutputRef o : outputs) {
            if (o.nodeId().equals(nodeId)) {
                return true;
            }
        }
        return false;
    }
}
