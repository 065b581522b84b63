package io.comfyrun.client;

import io.comfyrun.client.progress.PromptProgress;

import java.util.concurrent.CompletableFuture;

/** A prompt the engine is following. All methods return at once; none blocks on the network. */
public interface PromptHandle {

    /** The prompt id, generated client-side before the POST (the server's own on servers older than 0.3.45). */
    String promptId();

    /** Completes once with the result, whatever the outcome; never completes exceptionally. */
    CompletableFuture<PromptResult> result();

    /** The current progress model (queue position, node states, percent, ETA, outputs so far). */
    PromptProgress progress();

    /**
     * Cancels only this prompt: removed from the queue if pending, a targeted interrupt if running. The
     * result then completes as {@link Outcome#INTERRUPTED} (or whatever it had already reached).
     */
    CompletableFuture<Void> cancel();

    /** The state to persist for {@link ComfyClient#resume}. */
    PromptSnapshot snapshot();

    /**
     * Records that the caller saved this output, so the snapshot lists it and a resumed prompt does not fetch it
     * again ({@link io.comfyrun.client.files.OutputDownloader#downloadAll(ComfyHttpApi, PromptHandle, java.util.List,
     * io.comfyrun.client.files.OutputSink)} does both). The listener gets the new snapshot.
     */
    default void downloaded(OutputRef output) {
    }
}
