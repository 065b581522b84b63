package io.comfyrun.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/** What each scenario measured, for comfyRun and for the peers alike. */
final class Results {

    private Results() {
    }

    /**
     * Prompts run one after another on a warm socket.
     *
     * @param terminal terminal frame sent → result returned to the caller, ms (negative: returned before it)
     * @param progress progress frame sent → progress callback, ms
     * @param requests HTTP requests between submission and result, per prompt
     * @param runsPerSecond completed prompts per second of the whole sequence
     */
    record Sequential(int n, int succeeded, Stats terminal, Stats progress, Stats requests, double runsPerSecond,
                      String outcome) {
        ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("n", n).put("succeeded", succeeded).put("outcome", outcome).put("runs_per_second", Stats.round(runsPerSecond));
            o.set("terminal_to_result_ms", terminal.toJson());
            o.set("progress_frame_to_callback_ms", progress.toJson());
            o.set("http_requests_per_prompt", requests.toJson());
            return o;
        }
    }

    /** N prompts in flight at once; progress latency while they are; heap per prompt held. */
    record InFlight(int inFlight, int completed, Stats progress, Double heapBytesPerPrompt, String outcome) {
        ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("in_flight", inFlight).put("completed", completed).put("outcome", outcome);
            o.set("progress_frame_to_callback_ms", progress.toJson());
            if (heapBytesPerPrompt != null) {
                o.put("heap_bytes_per_prompt", Math.round(heapBytesPerPrompt));
            }
            return o;
        }
    }

    /** HTTP requests per second in a fixed window while prompts are in flight in polling mode. */
    record Polling(int inFlight, double windowSeconds, int requests, Map<String, Integer> byRoute) {
        double perSecond() {
            return requests / windowSeconds;
        }

        ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("in_flight", inFlight).put("window_s", windowSeconds).put("requests", requests)
                    .put("per_second", Stats.round(perSecond()));
            ObjectNode r = o.putObject("by_route");
            byRoute.forEach(r::put);
            return o;
        }
    }

    /** Socket dropped at the end of the run, reconnects refused 2 s: result after the socket is back. */
    /**
     * @param afterSocketBack result time minus socket-back time, ms; negative when the result came first
     * @param afterDrop       result time minus the injected reset, ms
     * @param notBackFirst    runs whose result came while the socket was still down (no reconnect before it)
     * @param beforeDrop      runs whose result came before the reset was even injected
     */
    record Reconnect(int runs, int finished, Stats afterSocketBack, Stats afterDrop, int notBackFirst, int beforeDrop,
                     String outcome) {
        ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("runs", runs).put("finished", finished).put("outcome", outcome)
                    .put("result_before_socket_back", notBackFirst).put("result_before_drop", beforeDrop);
            o.set("result_after_socket_back_ms", afterSocketBack.toJson());
            o.set("result_after_drop_ms", afterDrop.toJson());
            return o;
        }
    }
}
