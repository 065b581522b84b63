package io.comfyrun.client.tracker;

import io.comfyrun.client.progress.PromptEvent;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The rare events of one prompt already delivered to its listener (accepted, started, each node started and
 * finished, each output), as opaque markers the snapshot persists; and the markers a resumed snapshot says were
 * delivered before the restart, which are not delivered again. Frequent events (steps, queue positions, heartbeats)
 * have no marker.
 *
 * <p>Owned by one {@link PromptTracker} and touched only under that tracker's lock; no lock of its own.
 */
final class DeliveredMarkers {

    private static final String NODE = "node:";
    private static final String FINISHED = ":finished";

    private final Set<String> delivered = new LinkedHashSet<>();
    /** Delivered (and printed) before the restart this prompt was resumed from. */
    private Set<String> beforeRestart = Set.of();

    /** The persisted marker of a rare event, or null for frequent ones. */
    static String of(PromptEvent e) {
        if (e instanceof PromptEvent.Submitted) {
            return "submitted";
        } else if (e instanceof PromptEvent.Started) {
            return "started";
        } else if (e instanceof PromptEvent.NodeStarted n) {
            return NODE + n.node().id() + ":started";
        } else if (e instanceof PromptEvent.NodeFinished n) {
            return NODE + n.node().id() + FINISHED;
        } else if (e instanceof PromptEvent.OutputProduced o) {
            StringBuilder b = new StringBuilder("output:").append(o.node().id());
            o.outputs().forEach(r -> b.append(':').append(r.path()));
            return b.toString();
        }
        return null;
    }

    /** The node id of a "node finished" marker, or null for any other marker. */
    static String finishedNode(String marker) {
        if (marker.startsWith(NODE) && marker.endsWith(FINISHED)) {
            return marker.substring(NODE.length(), marker.length() - FINISHED.length());
        }
        return null;
    }

    /** Resume: these were delivered before the restart. */
    void restore(Set<String> markers) {
        delivered.addAll(markers);
        beforeRestart = Set.copyOf(markers);
    }

    boolean deliveredBeforeRestart(String marker) {
        return marker != null && beforeRestart.contains(marker);
    }

    /** Records a delivered marker; true if it is new (a moment worth a snapshot). */
    boolean record(String marker) {
        return marker != null && delivered.add(marker);
    }

    /** Every marker delivered, for the snapshot (which copies it). */
    Set<String> all() {
        return delivered;
    }
}
