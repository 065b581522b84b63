package io.comfyrun.client;

import io.comfyrun.client.tracker.PromptTracker;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stops our prompt, and only ours: delete it if pending; if running, the jobs cancel API, else a targeted interrupt,
 * and a global interrupt only on servers older than 0.3.57 after {@code /queue} showed ours is the one running.
 * A failed attempt is retried a few times; a cancel that still could not be confirmed completes its future with
 * {@link CancelNotConfirmedException}, never "cancelled".
 *
 * <p>Threads: {@link #cancel} runs on the caller's thread and returns at once; attempts run on io threads, retries
 * are scheduled. {@link #waiting} holds the callers' futures of prompts posted but not yet answered; the submitter
 * cancels those as soon as the answer is in.
 */
final class Canceller {

    private static final System.Logger LOG = System.getLogger(Canceller.class.getName());
    static final int ATTEMPTS = 3;

    private final ServerConnection conn;
    private final Map<PromptTracker, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();
    /** The jobs cancel API answered "not here" once: use the interrupt route from then on. Any thread; a hint only. */
    private volatile boolean jobsApi = true;

    Canceller(ServerConnection conn) {
        this.conn = conn;
    }

    /** {@link io.comfyrun.client.PromptHandle#cancel()}: the tracker has already recorded the request. */
    CompletableFuture<Void> cancel(FollowedPrompt p) {
        PromptTracker t = p.tracker();
        if (t.cancelBeforePosting()) {
            return CompletableFuture.completedFuture(null); // nothing was sent: ended now, not at the connect deadline
        }
        if (!t.isAccepted()) {
            // Posted, no answer yet: the submitter settles what got in, then calls cancelOnServer.
            CompletableFuture<Void> done = new CompletableFuture<>();
            waiting.put(t, done);
            t.result().whenComplete((r, ex) -> complete(t, null));
            if (t.isAccepted()) {
                cancelOnServer(p); // answered while we registered
            }
            return done;
        }
        return cancelOnServer(p);
    }

    /** Asks the server to stop the prompt; completes normally once the server confirmed it, else exceptionally. */
    CompletableFuture<Void> cancelOnServer(FollowedPrompt p) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        attempt(p, 0, done);
        done.whenComplete((v, ex) -> complete(p.tracker(), ex));
        return done;
    }

    private void attempt(FollowedPrompt p, int n, CompletableFuture<Void> done) {
        conn.io(() -> {
            try {
                stop(p);
                done.complete(null);
            } catch (IOException e) {
                if (n + 1 >= ATTEMPTS || p.tracker().isDone() && !p.tracker().cancelRequested()) {
                    String id = p.tracker().promptId();
                    LOG.log(System.Logger.Level.WARNING, "could not cancel prompt {0} on {1}: {2}", id, conn.baseUrl(),
                            e.toString());
                    done.completeExceptionally(new CancelNotConfirmedException(id, "the cancel of prompt " + id
                            + " could not be confirmed by " + conn.baseUrl() + " after " + ATTEMPTS + " attempts ("
                            + e + "); it may still be queued or running there: check the server's queue", e));
                } else {
                    conn.schedule(() -> attempt(p, n + 1, done), Backoff.retryMillis(n, 2000));
                }
            }
        }, () -> done.completeExceptionally(new CancelNotConfirmedException(p.tracker().promptId(),
                "the engine was closed before prompt " + p.tracker().promptId() + " could be cancelled on "
                        + conn.baseUrl(), null)));
    }

    private void stop(FollowedPrompt p) throws IOException {
        PromptTracker t = p.tracker();
        String id = t.promptId();
        ComfyHttpApi http = p.http();
        if (!conn.version().known()) {
            // A resumed prompt can be cancelled before the new connection's health check answered. Unknown is not
            // old: ask now, so that a server with targeted interrupts gets one rather than a global interrupt that
            // stops whatever runs by the time it lands. Asked before /queue to keep that window short.
            http.comfyVersion().ifPresent(conn.version()::learned);
        }
        QueueSnapshot q = http.queue();
        if (q.pendingPosition(id) > 0) {
            http.deleteFromQueue(List.of(id));
            q = http.queue();
            if (!q.contains(id)) {
                t.fail(Outcome.INTERRUPTED, List.of(new PromptError("cancelled", null, null, null, null,
                        "prompt cancelled while queued (removed from the queue)", "")));
                return;
            }
        }
        if (q.isRunning(id)) {
            if (jobsApi) {
                try {
                    if (http.cancelJob(id)) {
                        return;
                    }
                } catch (ComfyHttpException e) {
                    LOG.log(System.Logger.Level.DEBUG, "jobs cancel API on {0}: {1}", conn.baseUrl(), e.getMessage());
                }
                jobsApi = false;
            }
            http.interrupt(conn.version().targetedInterrupt() ? id : null);
        } else if (!t.isDone()) {
            conn.reconciler().reconcile(List.of(p), Reconciler.Round.CANCEL);
        }
    }

    private void complete(PromptTracker t, Throwable ex) {
        CompletableFuture<Void> f = waiting.remove(t);
        if (f != null) {
            if (ex == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(ex);
            }
        }
    }
}
