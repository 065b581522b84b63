package io.jenkins.plugins.comfyrun;

import io.comfyrun.client.progress.PromptEvent;
import java.util.Locale;

/** Turns engine events into the live fields of the build-page action (percent, current node, queue position). */
final class BuildPageProgress {
    private BuildPageProgress() {
    }

    static void apply(ComfyRunAction a, PromptEvent event) {
        if (event instanceof PromptEvent.Submitted s) {
            a.tracking(s.method().name().toLowerCase(Locale.ROOT));
        } else if (event instanceof PromptEvent.Queued q) {
            a.queued(q.position());
        } else if (event instanceof PromptEvent.Started st) {
            a.started(st.cached().size());
        } else if (event instanceof PromptEvent.NodeStarted n) {
            a.running(n.node().label(), a.getPercent());
        } else if (event instanceof PromptEvent.StepProgress p) {
            a.running(p.node().label(), p.workflowFraction() * 100);
        } else if (event instanceof PromptEvent.TrackingChanged t) {
            a.tracking(t.method().name().toLowerCase(Locale.ROOT));
        }
        // Finished is recorded by the execution with the downloaded paths
    }
}
