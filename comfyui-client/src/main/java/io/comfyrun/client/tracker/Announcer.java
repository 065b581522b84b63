package io.comfyrun.client.tracker;

import io.comfyrun.client.PromptSnapshot;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.PromptEvent;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What one prompt tells its listener, in order through its {@link EventSink}: "submitted" and "started" once each,
 * every rare event once even across a restart (its {@link DeliveredMarkers}) followed by a fresh snapshot to persist,
 * and how long it has been quiet (a heartbeat fills a long silence).
 *
 * <p>Owned by one {@link PromptTracker} and touched only under that tracker's lock; no lock of its own (the sink, shared
 * with the owner, has its own).
 */
final class Announcer {

    private final EventSink sink;
    /** The owner's snapshot, taken under the owner's lock (it holds it whenever this is called). */
    private final Supplier<PromptSnapshot> snapshot;
    private final DeliveredMarkers markers = new DeliveredMarkers();
    private boolean submitted;
    private boolean started;
    private long lastEmitNanos = System.nanoTime();

    Announcer(EventSink sink, Supplier<PromptSnapshot> snapshot) {
        this.sink = sink;
        this.snapshot = snapshot;
    }

    /** Resume: these markers were delivered before the restart, and "submitted" (and "started", if so) with them. */
    void restore(Set<String> delivered, boolean startedBefore) {
        markers.restore(delivered);
        submitted = true;
        started = startedBefore;
    }

    /** Every marker delivered, for the snapshot. */
    Set<String> delivered() {
        return markers.all();
    }

    /**
     * True the first time only: the first sign that the server has the prompt. The caller records it, then emits
     * {@link PromptEvent.Submitted} (so the snapshot saved with it says so).
     */
    boolean firstSubmitted() {
        if (submitted) {
            return false;
        }
        submitted = true;
        return true;
    }

    /** The server served these nodes from its cache: a resumed prompt still counts them as cached. */
    void cached(List<NodeRef> nodes) {
        markers.cached(nodes);
    }

    /** Emits "started" (with the nodes served from the cache) unless it already was. */
    void started(String promptId, List<NodeRef> cached) {
        if (!started) {
            started = true;
            emit(new PromptEvent.Started(promptId, cached));
        }
    }

    /** Whether nothing was emitted for {@code every}. */
    boolean quietFor(Duration every) {
        return System.nanoTime() - lastEmitNanos >= every.toNanos();
    }

    void emit(PromptEvent e) {
        String marker = DeliveredMarkers.of(e);
        if (markers.deliveredBeforeRestart(marker)) {
            return; // delivered (and printed) before the restart this prompt was resumed from
        }
        lastEmitNanos = System.nanoTime();
        sink.emit(e);
        if (markers.record(marker)) {
            // The moments a durable caller persists (accepted, started, a node started or done, an output): rare,
            // cheap to save. A node's start is one of them: resumed after a restart, it is not announced again.
            sink.snapshot(snapshot.get());
        }
    }
}
