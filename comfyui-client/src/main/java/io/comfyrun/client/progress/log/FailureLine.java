package io.comfyrun.client.progress.log;

import io.comfyrun.client.Outcome;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.PromptResult;
import java.util.ArrayList;
import java.util.List;

/**
 * The single line an unsuccessful prompt is summed up by, where only one line is shown: the message of a failed
 * Jenkins step (an {@code AbortException} prints just its message) or the last word of a failed job. It names the
 * prompt, the server and what went wrong; for a rejection with several node errors it lists them all, since the
 * user must fix every one before the server accepts the workflow.
 */
public final class FailureLine {

    private FailureLine() {
    }

    /**
     * @param r      the result (its outcome may be anything; SUCCESS gives "... succeeded")
     * @param server how to name the server: a configured name or a credential-free URL ({@link LogFormat#server})
     */
    public static String of(PromptResult r, String server) {
        String what = switch (r.outcome()) {
            case REJECTED -> "was rejected by the server";
            case FAILED -> "failed";
            case INTERRUPTED -> "was interrupted on the server";
            case LOST -> "was lost (the server no longer knows it: restarted or queue cleared?)";
            case TIMED_OUT -> "timed out";
            case UNREACHABLE -> "could not be tracked: the server is unreachable";
            case SUCCESS -> "succeeded";
        };
        StringBuilder b = new StringBuilder("ComfyUI prompt ").append(r.promptId()).append(" on ").append(server)
                .append(' ').append(what);
        if (r.outcome() == Outcome.REJECTED && r.errors().size() > 1) {
            List<String> parts = new ArrayList<>();
            for (PromptError e : r.errors()) {
                parts.add(LogFormat.oneLine(e.describe()));
            }
            b.append(": ").append(String.join("; ", parts));
        } else if (!r.firstError().isEmpty()) {
            b.append(": ").append(LogFormat.oneLine(r.firstError()));
        }
        return b.toString();
    }
}
