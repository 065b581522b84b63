package io.comfyrun.client.progress;

/**
 * Receives the events of one prompt, in order, on an engine thread (never the WebSocket reader). A slow
 * listener delays only its own prompt's events. Must not throw; an exception is logged and ignored.
 */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = event -> { };

    void onEvent(PromptEvent event);

    /** Both listeners, this one first. */
    default ProgressListener andThen(ProgressListener next) {
        return event -> {
            onEvent(event);
            next.onEvent(event);
        };
    }
}
