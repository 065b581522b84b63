package io.comfyrun.client.progress;

/**
 * Receives the events of one prompt, in order, on an engine thread (never the WebSocket reader). A slow
 * listener delays only its own prompt's events. Must not throw; an exception is logged and ignored.
 */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = event -> { };

    void onEvent(PromptEvent event);

    /**
     * The prompt's persistable state changed: it was accepted, started, a node finished, an output was announced or
     * {@linkplain io.comfyrun.client.PromptHandle#downloaded recorded as downloaded}. A durable caller (the Jenkins
     * step) saves the latest one, so a resume keeps the deadlines absolute and neither re-logs nor re-downloads.
     * Rare (a few times per node), delivered in order with the events. Does nothing by default.
     */
    default void onSnapshot(io.comfyrun.client.PromptSnapshot snapshot) {
    }

    /** Both listeners, this one first. */
    default ProgressListener andThen(ProgressListener next) {
        ProgressListener first = this;
        return new ProgressListener() {
            @Override
            public void onEvent(PromptEvent event) {
                first.onEvent(event);
                next.onEvent(event);
            }

            @Override
            public void onSnapshot(io.comfyrun.client.PromptSnapshot snapshot) {
                first.onSnapshot(snapshot);
                next.onSnapshot(snapshot);
            }
        };
    }
}
