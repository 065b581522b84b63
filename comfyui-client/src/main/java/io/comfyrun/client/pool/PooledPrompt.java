package io.comfyrun.client.pool;

import io.comfyrun.client.Outcome;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.tracker.PromptTracker;
import io.comfyrun.client.PromptRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One prompt submitted through a {@link ServerPool}: waiting for room, or on the member it was routed to. The
 * result never completes exceptionally; its {@code server()} and {@link #member()} name the member that ran it.
 */
public final class PooledPrompt {

    private final ServerPool pool;
    private final PromptRequest request;
    private final ProgressListener listener;
    private final PoolListener poolListener;
    private final CompletableFuture<PromptResult> result = new CompletableFuture<>();

    // Guarded by this: members tried (by index), the current attempt, whether cancel was asked.
    private final Set<Integer> tried = new HashSet<>();
    private final List<PoolMember> skipped = new ArrayList<>();
    private PromptHandle current;
    private PoolMember member;
    private boolean cancelled;
    private PromptResult lastUnreachable;

    PooledPrompt(ServerPool pool, PromptRequest request, ProgressListener listener, PoolListener poolListener) {
        this.pool = pool;
        this.request = request;
        this.listener = listener == null ? ProgressListener.NONE : listener;
        this.poolListener = poolListener == null ? PoolListener.NONE : poolListener;
    }

    /** Completes once with the result, whatever the outcome. */
    public CompletableFuture<PromptResult> result() {
        return result;
    }

    /** The member the prompt was last routed to, if it was routed. */
    public synchronized Optional<PoolMember> member() {
        return Optional.ofNullable(member);
    }

    /** The engine's handle of the current attempt, if one was made. */
    public synchronized Optional<PromptHandle> handle() {
        return Optional.ofNullable(current);
    }

    /** Members skipped because they could not be reached before the prompt was posted, in order. */
    public synchronized List<PoolMember> skipped() {
        return List.copyOf(skipped);
    }

    /** Cancels only this prompt: removed from the pool's waiting line, or cancelled on its member. */
    public CompletableFuture<Void> cancel() {
        PromptHandle h;
        synchronized (this) {
            cancelled = true;
            h = current;
        }
        if (h != null) {
            return h.cancel();
        }
        if (pool.unqueue(this)) {
            result.complete(notSubmitted(Outcome.INTERRUPTED, "cancelled", "prompt cancelled while it waited for a member of pool "
                    + pool.name() + " with room; it was never submitted"));
        }
        return CompletableFuture.completedFuture(null);
    }

    synchronized Set<Integer> tried() {
        return Set.copyOf(tried);
    }

    void waiting(int prompts) {
        poolListener.waiting(prompts);
    }

    /** Submits to the member the pool reserved for this prompt. */
    void attempt(int index) {
        PoolMember m = pool.member(index);
        synchronized (this) {
            tried.add(index);
            if (cancelled) {
                pool.release(index, false);
                result.complete(notSubmitted(Outcome.INTERRUPTED, "cancelled", "prompt cancelled before it was submitted"));
                return;
            }
            member = m;
        }
        poolListener.routed(m);
        CompletableFuture<PromptHandle> handleOf = new CompletableFuture<>();
        PromptHandle h;
        try {
            h = pool.client().submit(m.config(), request, event -> forward(event, handleOf));
        } catch (RuntimeException e) {
            pool.release(index, false);
            result.complete(notSubmitted(Outcome.FAILED, "not_submitted", "could not submit to " + m + ": " + e.getMessage()));
            return;
        }
        boolean cancelNow;
        synchronized (this) {
            current = h;
            cancelNow = cancelled;
        }
        handleOf.complete(h);
        if (cancelNow) {
            h.cancel();
        }
        h.result().whenComplete((r, e) -> attemptDone(index, h, r));
    }

    /** The engine's events, except the end of an attempt that goes on to another member. */
    private void forward(PromptEvent event, CompletableFuture<PromptHandle> handleOf) {
        if (event instanceof PromptEvent.Finished f && f.result().outcome() == Outcome.UNREACHABLE) {
            // The last event of the attempt; the handle is known by then (or a moment later).
            handleOf.thenAccept(h -> {
                if (!goesElsewhere(f.result(), h)) {
                    listener.onEvent(event);
                }
            });
            return;
        }
        listener.onEvent(event);
    }

    private void attemptDone(int index, PromptHandle h, PromptResult r) {
        PoolMember m = pool.member(index);
        boolean elsewhere = goesElsewhere(r, h);
        if (elsewhere) {
            synchronized (this) {
                skipped.add(m);
                lastUnreachable = r;
                current = null;
            }
            poolListener.skipped(m, r.firstError());
            pool.release(index, true);
            pool.dispatch(this);
            return;
        }
        pool.release(index, false);
        result.complete(r);
    }

    /** Never posted (the member could not be reached) and not cancelled: the prompt may go to another member. */
    private boolean goesElsewhere(PromptResult r, PromptHandle h) {
        synchronized (this) {
            if (cancelled) {
                return false;
            }
        }
        // hasPosted() is false only if no POST /prompt was ever sent: nothing can be running there.
        return r != null && r.outcome() == Outcome.UNREACHABLE && h instanceof PromptTracker t && !t.hasPosted();
    }

    /** Every member was tried and none could be reached. */
    void exhausted() {
        PromptResult last;
        synchronized (this) {
            last = lastUnreachable;
        }
        if (last != null) {
            List<PromptError> errors = new ArrayList<>(last.errors());
            errors.add(0, new PromptError("unreachable", null, null, null, null, "no member of pool " + pool.name()
                    + " could be reached (tried " + skipped().stream().map(PoolMember::name).toList() + ")", ""));
            last = new PromptResult(last.outcome(), last.promptId(), last.server(), last.method(), last.duration(),
                    last.nodes(), last.outputs(), errors);
            listener.onEvent(new PromptEvent.Finished(last.promptId(), last));
            result.complete(last);
        } else {
            result.complete(notSubmitted(Outcome.UNREACHABLE, "unreachable", "no member of pool " + pool.name() + " could be tried"));
        }
    }

    private PromptResult notSubmitted(Outcome outcome, String type, String message) {
        return new PromptResult(outcome, "(not submitted)", null, null, null, null, null,
                List.of(new PromptError(type, null, null, null, null, message, "")));
    }
}
