package io.comfyrun.client.tracker;

import io.comfyrun.client.PromptSnapshot;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Delivers one prompt's events to its listener in order, on a shared pool, so a slow listener never blocks the
 * WebSocket reader nor other prompts. Tasks other than events (completing the result future) ride the same queue
 * so they happen after the events emitted before them.
 */
final class EventSink {

    private static final System.Logger LOG = System.getLogger(EventSink.class.getName());

    private final ProgressListener listener;
    private final Executor executor;
    private final ArrayDeque<Object> queue = new ArrayDeque<>(4);
    private boolean draining;

    EventSink(ProgressListener listener, Executor executor) {
        this.listener = listener;
        this.executor = executor;
    }

    void emit(PromptEvent event) {
        enqueue(event);
    }

    /** Hands the listener a new snapshot, in order with the events. */
    void snapshot(PromptSnapshot snapshot) {
        enqueue((Runnable) () -> listener.onSnapshot(snapshot));
    }

    void then(Runnable task) {
        enqueue(task);
    }

    private void enqueue(Object item) {
        synchronized (queue) {
            queue.add(item);
            if (draining) {
                return;
            }
            draining = true;
        }
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            // The client is closing: deliver on this thread rather than lose the final events.
            drain();
        }
    }

    private void drain() {
        while (true) {
            Object item;
            synchronized (queue) {
                item = queue.poll();
                if (item == null) {
                    draining = false;
                    return;
                }
            }
            try {
                if (item instanceof PromptEvent e) {
                    listener.onEvent(e);
                } else {
                    ((Runnable) item).run();
                }
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "progress listener failed on " + item + "; ignored", ex);
            }
        }
    }
}
