package io.comfyrun.client.progress;

import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.TrackingMethod;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Everything a listener can be told about one prompt. The closed set lets a formatter switch over it. */
public sealed interface PromptEvent {

    String promptId();

    /** The server accepted the prompt. */
    record Submitted(String promptId, URI server, TrackingMethod method) implements PromptEvent {
    }

    /** Waiting in the queue: 1-based position among pending prompts, and pending + running in total. */
    record Queued(String promptId, int position, int total) implements PromptEvent {
    }

    /** Still queued or running with nothing new to say: lets a log print a heartbeat line. */
    record Heartbeat(String promptId, PromptPhase phase, Duration elapsed) implements PromptEvent {
    }

    /** Execution started; {@code cached} are the nodes served from the cache (they will not run). */
    record Started(String promptId, List<NodeRef> cached) implements PromptEvent {
        public Started {
            cached = List.copyOf(cached);
        }
    }

    record NodeStarted(String promptId, NodeRef node) implements PromptEvent {
    }

    /**
     * A step of a node that reports progress (samplers, upscalers...).
     *
     * @param workflowFraction whole workflow done, 0.0..1.0
     * @param eta              remaining time of the whole workflow, or {@code null} when unknown
     */
    record StepProgress(String promptId, NodeRef node, int value, int max, double workflowFraction, Duration eta)
            implements PromptEvent {
    }

    /** A node ended; {@code millis} is {@link io.comfyrun.client.NodeRun#UNMEASURED} when its start was not seen. */
    record NodeFinished(String promptId, NodeRef node, long millis) implements PromptEvent {
        public boolean measured() {
            return millis >= 0;
        }
    }

    /** An output node produced files; {@code fromCache} when the node was cached (the files are the old ones). */
    record OutputProduced(String promptId, NodeRef node, List<OutputRef> outputs, boolean fromCache)
            implements PromptEvent {
        public OutputProduced {
            outputs = List.copyOf(outputs);
        }
    }

    /** The shared WebSocket to the server dropped; the engine reconnects or polls. */
    record ConnectionLost(String promptId, URI server, String reason) implements PromptEvent {
    }

    record ConnectionRestored(String promptId, URI server, Duration downFor) implements PromptEvent {
    }

    /** Tracking switched between WebSocket and polling. */
    record TrackingChanged(String promptId, TrackingMethod method) implements PromptEvent {
    }

    /** The last event of every prompt. */
    record Finished(String promptId, PromptResult result) implements PromptEvent {
    }
}
