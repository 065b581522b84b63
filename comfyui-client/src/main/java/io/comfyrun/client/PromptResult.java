package io.comfyrun.client;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a prompt ended.
 *
 * @param outcome  the terminal outcome
 * @param promptId the prompt id
 * @param server   the server's base URL
 * @param method   how it was tracked ({@code websocket}, {@code polling} or {@code mixed})
 * @param duration from submission to the terminal signal as seen by this client
 * @param nodes    every node of the workflow with its cached flag and run time (what is known)
 * @param outputs  files produced by output nodes (previews excluded)
 * @param errors   why it failed, was rejected, timed out... (empty on success)
 */
public record PromptResult(Outcome outcome, String promptId, URI server, TrackingMethod method, Duration duration,
                           List<NodeRun> nodes, List<OutputRef> outputs, List<PromptError> errors) {

    public PromptResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(promptId, "promptId");
        method = method == null ? TrackingMethod.WEBSOCKET : method;
        duration = duration == null ? Duration.ZERO : duration;
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public boolean isSuccess() {
        return outcome == Outcome.SUCCESS;
    }

    /** Number of nodes served from the cache. */
    public long cachedCount() {
        return nodes.stream().filter(NodeRun::cached).count();
    }

    /** The first error's one-line description, or {@code ""}. */
    public String firstError() {
        return errors.isEmpty() ? "" : errors.get(0).describe();
    }
}
