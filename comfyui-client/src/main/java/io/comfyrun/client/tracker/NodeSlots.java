package io.comfyrun.client.tracker;

import io.comfyrun.client.NodeRun;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.progress.NodeProgress;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.NodeState;
import io.comfyrun.client.tracker.ServerMessage.ProgressState.NodeEntry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The nodes of one prompt as this client saw them: one slot per node (state, step value and max, when it started,
 * how long it ran), the node running now, and the weighted fraction of the workflow done. A node's start and end go
 * out through {@link NodeEvents}, which the tracker turns into events.
 *
 * <p>Owned by one {@link PromptTracker} and touched only under that tracker's lock (by whichever thread holds it:
 * the socket reader, an io thread, the scheduler or a caller of {@code progress()}); it has no lock of its own.
 */
final class NodeSlots {

    /** Where a node's start and end are told (called under the tracker's lock). */
    interface NodeEvents {
        void nodeStarted(NodeRef node);

        void nodeFinished(NodeRef node, long millis);
    }

    private static final class Slot {
        final NodeRef ref;
        final double weight;
        NodeState state = NodeState.PENDING;
        int value;
        int max;
        long startNanos;
        /** False for a node that started before the restart this prompt was resumed from: its run is not measured. */
        boolean startSeen = true;
        long millis;

        Slot(NodeRef ref, double weight) {
            this.ref = ref;
            this.weight = weight;
        }

        long millisNow() {
            if (state != NodeState.RUNNING) {
                return millis;
            }
            return startSeen ? (System.nanoTime() - startNanos) / 1_000_000 : NodeRun.UNMEASURED;
        }
    }

    private final Map<String, Slot> slots;
    private final NodeEvents events;
    private Slot current;

    NodeSlots(WorkflowNodes workflow, NodeEvents events) {
        this.events = events;
        this.slots = new LinkedHashMap<>(Math.max(4, workflow.size() * 2));
        for (int i = 0; i < workflow.size(); i++) {
            NodeRef r = workflow.refs().get(i);
            slots.put(r.id(), new Slot(r, workflow.weight(i)));
        }
    }

    /** The node with this id if the prompt has it, else null. */
    NodeRef find(String id) {
        Slot s = slots.get(id);
        return s == null ? null : s.ref;
    }

    /** The node with this id, added if the submitted graph did not have it. */
    NodeRef ref(String id) {
        return slot(id).ref;
    }

    /** The node running now, or null. */
    NodeRef current() {
        return current == null ? null : current.ref;
    }

    boolean isCached(String id) {
        return slot(id).state == NodeState.CACHED;
    }

    /** {@code execution_cached}: these nodes will not run. */
    List<NodeRef> cached(List<String> ids) {
        List<NodeRef> cached = new ArrayList<>(ids.size());
        for (String id : ids) {
            Slot s = slot(id);
            s.state = NodeState.CACHED;
            cached.add(s.ref);
        }
        return cached;
    }

    /** The cached nodes a history entry lists; a node this client already saw run keeps what it saw. */
    List<NodeRef> cachedPerHistory(List<String> ids) {
        List<NodeRef> cached = new ArrayList<>();
        for (String id : ids) {
            Slot s = slot(id);
            if (s.state == NodeState.PENDING) {
                s.state = NodeState.CACHED;
            }
            cached.add(s.ref);
        }
        return cached;
    }

    /** {@code executing} for a node: it starts (and the one running before it is done). */
    void executing(String id) {
        start(slot(id));
    }

    /** A {@code progress} frame: the node runs, at step {@code value} of {@code max}. */
    NodeRef step(String id, int value, int max) {
        Slot s = slot(id);
        start(s);
        s.value = value;
        s.max = max;
        return s.ref;
    }

    /** A {@code progress_state} frame: each node's state as the server has it (0.3.46 and later). */
    void progressState(Map<String, NodeEntry> nodes) {
        for (Map.Entry<String, NodeEntry> e : nodes.entrySet()) {
            Slot s = slot(e.getKey());
            NodeEntry entry = e.getValue();
            boolean running = entry.state() == NodeEntry.State.RUNNING;
            if (s.state == NodeState.CACHED && !running) {
                continue;
            }
            if (entry.max() > 0 && entry.max() != 1.0) {
                s.value = (int) entry.value();
                s.max = (int) entry.max();
            }
            switch (entry.state()) {
                case RUNNING -> start(s);
                case FINISHED -> finish(s);
                case ERROR -> s.state = NodeState.ERROR;
                default -> { }
            }
        }
    }

    /** The node an error names failed; returns it, or null when no node was named. */
    NodeRef failed(String id) {
        if (id == null) {
            return null;
        }
        Slot s = slot(id);
        s.state = NodeState.ERROR;
        return s.ref;
    }

    /** The prompt was interrupted while this node (if named) ran: a running node ends in error. */
    NodeRef interruptedAt(String id) {
        if (id == null) {
            return null;
        }
        Slot s = slot(id);
        if (s.state == NodeState.RUNNING) {
            s.state = NodeState.ERROR;
        }
        return s.ref;
    }

    /**
     * A history entry of a prompt that succeeded: every node seen running is done, and so is a pending node that
     * the entry shows ran (it has status messages, or the node wrote files): done without a measured duration.
     */
    void finishedPerHistory(HistoryEntry entry) {
        for (Slot s : slots.values()) {
            if (s.state == NodeState.RUNNING
                    || s.state == NodeState.PENDING && (entry.hasMessages() || entry.wrote(s.ref.id()))) {
                finish(s);
            }
        }
    }

    /** The prompt succeeded: the nodes still running are done. */
    void finishRunning() {
        if (current != null) {
            finish(current);
        }
        for (Slot s : slots.values()) {
            if (s.state == NodeState.RUNNING) {
                finish(s);
            }
        }
    }

    /**
     * Resume: what the snapshot's markers say of each node before the restart. A finished node counts as done and a
     * cached one as cached, or the workflow percent would fall back and the result would count no cached node; the
     * node that had started and not finished is running still (it is not announced again), its duration unmeasured
     * since its start was before this process.
     */
    void restoreBeforeRestart(Iterable<String> deliveredMarkers) {
        for (String m : deliveredMarkers) {
            DeliveredMarkers.NodeMark mark = DeliveredMarkers.nodeMark(m);
            Slot s = mark == null ? null : slots.get(mark.nodeId());
            if (s == null) {
                continue;
            }
            switch (mark.kind()) {
                case FINISHED -> {
                    s.state = NodeState.FINISHED;
                    s.millis = NodeRun.UNMEASURED;
                    if (current == s) {
                        current = null;
                    }
                }
                case CACHED -> s.state = NodeState.CACHED;
                case STARTED -> {
                    if (s.state == NodeState.PENDING) {
                        s.state = NodeState.RUNNING;
                        s.startSeen = false;
                    }
                }
            }
        }
        // The markers come in no set order (a node's end may be read before its start): the current node is chosen
        // once they are all applied.
        if (current == null || current.state != NodeState.RUNNING) {
            current = null;
            for (Slot s : slots.values()) {
                if (s.state == NodeState.RUNNING) {
                    current = s;
                }
            }
        }
    }

    /** The weighted share of the non-cached nodes done, a running node counting by its steps. */
    double fraction() {
        double total = 0;
        double done = 0;
        for (Slot s : slots.values()) {
            if (s.state == NodeState.CACHED) {
                continue;
            }
            total += s.weight;
            switch (s.state) {
                case FINISHED, ERROR -> done += s.weight;
                case RUNNING -> done += s.max > 0 ? s.weight * Math.min(1.0, (double) s.value / s.max) : 0;
                default -> { }
            }
        }
        return total == 0 ? 0 : done / total;
    }

    List<NodeProgress> progress() {
        List<NodeProgress> nodes = new ArrayList<>(slots.size());
        for (Slot s : slots.values()) {
            nodes.add(new NodeProgress(s.ref, s.state, s.value, s.max, s.millisNow()));
        }
        return nodes;
    }

    List<NodeRun> runs() {
        List<NodeRun> runs = new ArrayList<>(slots.size());
        for (Slot s : slots.values()) {
            runs.add(new NodeRun(s.ref.id(), s.ref.classType(), s.ref.title(), s.state == NodeState.CACHED,
                    s.millisNow()));
        }
        return runs;
    }

    private void start(Slot s) {
        if (s.state == NodeState.RUNNING || s.state == NodeState.FINISHED || s.state == NodeState.ERROR) {
            return;
        }
        if (current != null && current != s && current.state == NodeState.RUNNING) {
            finish(current);
        }
        s.state = NodeState.RUNNING;
        s.startNanos = System.nanoTime();
        current = s;
        events.nodeStarted(s.ref);
    }

    private void finish(Slot s) {
        if (s.state == NodeState.FINISHED || s.state == NodeState.CACHED || s.state == NodeState.ERROR) {
            return;
        }
        boolean measured = s.state == NodeState.RUNNING && s.startSeen;
        s.millis = measured ? (System.nanoTime() - s.startNanos) / 1_000_000 : NodeRun.UNMEASURED;
        s.state = NodeState.FINISHED;
        if (s.max > 0) {
            s.value = s.max;
        }
        if (current == s) {
            current = null;
        }
        events.nodeFinished(s.ref, s.millis);
    }

    private Slot slot(String id) {
        Slot s = slots.get(id);
        if (s == null) {
            // A node not in the submitted graph (expanded sub-graph, or resumed without the workflow).
            s = new Slot(new NodeRef(id, null, null), 1);
            slots.put(id, s);
        }
        return s;
    }
}
