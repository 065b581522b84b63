package io.comfyrun.client.progress.log;

import io.comfyrun.client.progress.PromptProgress;

/**
 * A short phrase saying where a prompt is now, for a status field that shows one line and is read at a glance
 * (Jenkins' Pipeline Steps view, a tool tip): the running node comes first, because that is what changes.
 * <pre>
 * node 3 KSampler 45% (prompt 5f1c2a… on gpu-1)
 * prompt 5f1c2a… queued on gpu-1 at position 2 of 3
 * </pre>
 */
public final class StatusPhrase {

    private StatusPhrase() {
    }

    /**
     * @param p      the prompt's progress now
     * @param server how to name the server: a configured name or a credential-free URL ({@link LogFormat#server})
     */
    public static String of(PromptProgress p, String server) {
        String id = p.promptId();
        return switch (p.phase()) {
            case SUBMITTING -> "submitting prompt " + id + " to " + server;
            case QUEUED -> "prompt " + id + " queued on " + server + queuePosition(p);
            case RUNNING -> p.currentNode() == null
                    ? "prompt " + id + " running on " + server + ", " + p.percent() + "%"
                    : "node " + p.currentNode().label() + " " + p.percent() + "% (prompt " + id + " on " + server + ")";
            case DONE -> "prompt " + id + " finished on " + server;
        };
    }

    private static String queuePosition(PromptProgress p) {
        if (p.queuePosition() <= 0) {
            return "";
        }
        return " at position " + p.queuePosition() + (p.queueTotal() > 0 ? " of " + p.queueTotal() : "");
    }
}
