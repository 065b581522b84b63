package io.comfyrun.client.tracker;

import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.PromptEvent;

import java.util.LinkedHashSet;
import java.util.List;
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
    private static final String STARTED = ":started";
    private static final String FINISHED = ":finished";
    private static final String CACHED = ":cached";

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
            return NODE + n.node().id() + STARTED;
        } else if (e instanceof PromptEvent.NodeFinished n) {
            return NODE + n.node().id() + FINISHED;
        } else if (e instanceof PromptEvent.OutputProduced o) {
            StringBuilder b = new StringBuilder("output:").append(o.node().id());
            o.outputs().forEach(r -> b.append(':').append(r.path()));
            return b.toString();
        }
        return null;
    }

    /** What a node marker says of its node. */
    enum NodeMarkKind { STARTED, FINISHED, CACHED }

    record NodeMark(String nodeId, NodeMarkKind kind) {
    }

    /** The node and what happened to it, for a node marker; null for any other marker. */
    static NodeMark nodeMark(String marker) {
        if (!marker.startsWith(NODE)) {
            return null;
        }
        int colon = marker.lastIndexOf(':');
        if (colon <= NODE.length()) {
            return null;
        }
        String id = marker.substring(NODE.length(), colon);
        return switch (marker.substring(colon)) {
            case STARTED -> new NodeMark(id, NodeMarkKind.STARTED);
            case FINISHED -> new NodeMark(id, NodeMarkKind.FINISHED);
            case CACHED -> new NodeMark(id, NodeMarkKind.CACHED);
            default -> null;
        };
    }

    /**
     * Records the nodes the server served from its cache (they come with the "started" event, which persists them):
     * a resumed prompt still counts them as cached.
     */
    void cached(List<NodeRef> nodes) {
        for (NodeRef n : nodes) {
            delivered.add(NODE + n.id() + CACHED);
        }
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
