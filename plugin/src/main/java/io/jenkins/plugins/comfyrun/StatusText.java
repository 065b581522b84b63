package io.jenkins.plugins.comfyrun;

import io.comfyrun.client.progress.PromptProgress;

/** The short status phrase of a running step ("node 3 KSampler 45%"), shown in the Pipeline Steps view. */
final class StatusText {
    private StatusText() {
    }

    static String of(PromptProgress p, String server, boolean stopping) {
        String id = p.promptId();
        String s = switch (p.phase()) {
            case SUBMITTING -> "submitting prompt " + id + " to " + server;
            case QUEUED -> "prompt " + id + " queued on " + server
                    + (p.queuePosition() > 0 ? " at position " + p.queuePosition() + (p.queueTotal() > 0 ? " of " + p.queueTotal() : "") : "");
            case RUNNING -> p.currentNode() == null
                    ? "prompt " + id + " running on " + server + ", " + p.percent() + "%"
                    : "node " + p.currentNode().label() + " " + p.percent() + "% (prompt " + id + " on " + server + ")";
            case DONE -> "prompt " + id + " finished on " + server;
        };
        return stopping ? "stopping: " + s : s;
    }
}
