package io.comfyrun.client.batch;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * One unit of work in a {@link Batch}: a single prompt ({@link PromptJob}) or a {@link Chain}. Starting it
 * must not block; the batch counts it against the concurrency limits of {@link #server()} until its result
 * completes.
 */
public interface BatchJob {

    /** A short name for logs and results, e.g. the workflow file name. */
    String name();

    /** The server it runs on, for the per-server limit. */
    URI server();

    /** Starts the job; called at most once. */
    Running start();

    /** A started job. */
    interface Running {

        /** Completes once, never exceptionally. */
        CompletableFuture<JobResult> result();

        /** Cancels only this job's own prompts on the server; the result then completes (interrupted). */
        CompletableFuture<Void> cancel();
    }
}
