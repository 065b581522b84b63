package io.comfyrun.fake.execution;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;
import java.util.List;

/**
 * One queued prompt, ComfyUI's 5-tuple {@code [number, prompt_id, prompt, extra_data, outputs_to_execute]}.
 *
 * @param number           priority; a {@link Long} normally, a {@link Double} when the client sent {@code number}
 * @param validatedPrompt  the prompt after validation (coerced values)
 * @param extraData        {@code extra_data} with {@code client_id}, secrets removed
 * @param seq              submission order, breaks ties that ComfyUI would break by prompt_id
 */
public record QueueItem(Number number, String promptId, ObjectNode validatedPrompt, ObjectNode extraData,
                        List<String> outputsToExecute, long seq) implements Comparable<QueueItem> {

    public String clientId() {
        return extraData.hasNonNull("client_id") ? extraData.get("client_id").asText() : null;
    }

    public ArrayNode toTuple() {
        ArrayNode t = PythonJson.array();
        if (number instanceof Double d) {
            t.add(d);
        } else {
            t.add(number.longValue());
        }
        t.add(promptId);
        t.add(validatedPrompt);
        t.add(extraData);
        ArrayNode outs = t.addArray();
        outputsToExecute.forEach(outs::add);
        return t;
    }

    /** Heap order as Python compares the tuples: number, then prompt_id. */
    @Override
    public int compareTo(QueueItem o) {
        int c = Double.compare(number.doubleValue(), o.number.doubleValue());
        return c != 0 ? c : promptId.compareTo(o.promptId);
    }
}
