package io.comfyrun.client.batch;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs many jobs with a concurrency limit overall and per server, either until all are done
 * ({@link Mode#KEEP_GOING}) or stopping at the first job that does not succeed ({@link Mode#FAIL_FAST}):
 * then the jobs still running are cancelled (only our own prompts, through their handles) and the ones not
 * started are reported as skipped. Non-blocking: no thread waits; a job starts when another completes.
 *
 * <pre>{@code
 * BatchRun run = Batch.builder().maxConcurrency(4).maxPerServer(2).mode(Batch.Mode.FAIL_FAST).build()
 *         .start(jobs);
 * BatchResult result = run.result().join();
 * }</pre>
 */
public final class Batch {

    /** What to do when a job fails. */
    public enum Mode {
        /** Run every job whatever happens to the others. */
        KEEP_GOING,
        /** At the first job that does not succeed, cancel the running ones and skip the rest. */
        FAIL_FAST
    }

    private final int maxConcurrency;
    private final int maxPerServer;
    private final Mode mode;

    private Batch(Builder b) {
        this.maxConcurrency = b.maxConcurrency;
        this.maxPerServer = b.maxPerServer;
        this.mode = b.mode;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link Batch}. */
    public static final class Builder {
        private int maxConcurrency = 4;
        private int maxPerServer = 2;
        private Mode mode = Mode.KEEP_GOING;

        /** Jobs in flight at once overall (default 4). */
        public Builder maxConcurrency(int n) {
            this.maxConcurrency = positive(n, "maxConcurrency");
            return this;
        }

        /** Jobs in flight at once on one server (default 2): ComfyUI runs one prompt at a time anyway. */
        public Builder maxPerServer(int n) {
            this.maxPerServer = positive(n, "maxPerServer");
            return this;
        }

        public Builder mode(Mode mode) {
            this.mode = mode == null ? Mode.KEEP_GOING : mode;
            return this;
        }

        public Batch build() {
            return new Batch(this);
        }

        private static int positive(int n, String what) {
            if (n < 1) {
                throw new IllegalArgumentException(what + " must be at least 1, got " + n);
            }
            return n;
        }
    }

    /** Starts the jobs (in order, as limits allow) and returns at once. */
    public BatchRun start(List<? extends BatchJob> jobs) {
        BatchRun run = new BatchRun(List.copyOf(jobs));
        run.pump();
        return run;
    }

    /** A running batch. */
    public final class BatchRun {
        private final List<BatchJob> jobs;
        private final JobResult[] results;
        private final BatchJob.Running[] running;
        private final Map<URI, Integer> perServer = new HashMap<>();
        private final CompletableFuture<BatchResult> result = new CompletableFuture<>();
        private int next;
        private int inFlight;
        private int done;
        private boolean stopping;
        private String stopReason;

        private BatchRun(List<BatchJob> jobs) {
            this.jobs = jobs;
            this.results = new JobResult[jobs.size()];
            this.running = new BatchJob.Running[jobs.size()];
        }

        /** Completes when every job has a result (run, cancelled or skipped); never exceptionally. */
        public CompletableFuture<BatchResult> result() {
            return result;
        }

        /** Stops starting jobs and cancels the running ones (only our prompts); the result still completes. */
        public CompletableFuture<Void> cancel() {
            return stop("batch cancelled");
        }

        /** Jobs started and not yet finished. */
        public synchronized int inFlight() {
            return inFlight;
        }

        private CompletableFuture<Void> stop(String reason) {
            List<BatchJob.Running> toCancel = new ArrayList<>();
            synchronized (this) {
                if (!stopping) {
                    stopping = true;
                    stopReason = reason;
                }
                for (int i = 0; i < running.length; i++) {
                    if (running[i] != null && results[i] == null) {
                        toCancel.add(running[i]);
                    }
                }
            }
            List<CompletableFuture<Void>> cancels = new ArrayList<>();
            for (BatchJob.Running r : toCancel) {
                cancels.add(r.cancel().exceptionally(e -> null));
            }
            pump();
            return CompletableFuture.allOf(cancels.toArray(CompletableFuture[]::new));
        }

        /** Starts whatever the limits allow, outside the lock (starting may call back synchronously). */
        private void pump() {
            while (true) {
                int index = -1;
                boolean finished = false;
                synchronized (this) {
                    if (stopping) {
                        // Only jobs never started are skipped: with a per-server limit a later job may already be
                        // running; stop() cancelled it and its own result (interrupted, or done) arrives via onDone.
                        for (; next < jobs.size(); next++) {
                            if (running[next] == null && results[next] == null) {
                                results[next] = JobResult.skipped(jobs.get(next).name(), "skipped: " + stopReason);
                                done++;
                            }
                        }
                    } else if (inFlight < maxConcurrency) {
                        // The first job in order whose server has room; jobs for a busy server wait their turn.
                        for (int i = next; i < jobs.size(); i++) {
                            if (running[i] == null && results[i] == null
                                    && perServer.getOrDefault(jobs.get(i).server(), 0) < maxPerServer) {
                                index = i;
                                break;
                            }
                        }
                        if (index >= 0) {
                            running[index] = PLACEHOLDER;
                            inFlight++;
                            perServer.merge(jobs.get(index).server(), 1, Integer::sum);
                            while (next < jobs.size() && (running[next] != null || results[next] != null)) {
                                next++;
                            }
                        }
                    }
                    finished = done == jobs.size() && !result.isDone();
                }
                if (finished) {
                    result.complete(new BatchResult(List.of(results)));
                    return;
                }
                if (index < 0) {
                    return;
                }
                launch(index);
            }
        }

        private void launch(int index) {
            BatchJob job = jobs.get(index);
            BatchJob.Running r;
            try {
                r = job.start();
            } catch (RuntimeException e) {
                onDone(index, new JobResult(job.name(), io.comfyrun.client.Outcome.FAILED, List.of(), List.of(),
                        "could not start: " + e.getMessage()));
                return;
            }
            boolean cancelNow;
            synchronized (this) {
                running[index] = r;
                cancelNow = stopping && results[index] == null;
            }
            if (cancelNow) {
                r.cancel();
            }
            r.result().whenComplete((jr, e) -> onDone(index, jr != null ? jr
                    : new JobResult(job.name(), io.comfyrun.client.Outcome.FAILED, List.of(), List.of(), String.valueOf(e))));
        }

        private void onDone(int index, JobResult jr) {
            boolean failFastNow;
            synchronized (this) {
                if (results[index] != null) {
                    return;
                }
                results[index] = jr;
                done++;
                inFlight--;
                perServer.merge(jobs.get(index).server(), -1, Integer::sum);
                failFastNow = mode == Mode.FAIL_FAST && !jr.succeeded() && !stopping;
            }
            if (failFastNow) {
                stop("an earlier job (" + jr.name() + ") ended " + (jr.outcome() == null ? "skipped" : jr.outcome().name().toLowerCase()));
            } else {
                pump();
            }
        }
    }

    /** Marks a slot as taken between choosing a job and its {@code start()} returning. */
    private static final BatchJob.Running PLACEHOLDER = new BatchJob.Running() {
        @Override
        public CompletableFuture<JobResult> result() {
            return new CompletableFuture<>();
        }

        @Override
        public CompletableFuture<Void> cancel() {
            return CompletableFuture.completedFuture(null);
        }
    };
}
