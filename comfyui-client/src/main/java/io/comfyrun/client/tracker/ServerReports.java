package io.comfyrun.client.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.PromptPhase;

import java.util.List;

/**
 * What the server reported about one prompt, applied to its tracker's parts: a WebSocket message, its place in
 * {@code /queue}, its {@code /history} entry. The tracker's lifecycle (running, the end) stays the tracker's; this
 * class turns each report into node, queue, file and listener changes and asks the tracker for the rest.
 *
 * <p>Threads: called only by its {@link PromptTracker}, under that tracker's lock, once the tracker has checked that
 * the prompt is not done; it has no state of its own.
 */
final class ServerReports {

    private final PromptTracker tracker;
    private final NodeSlots nodes;
    private final Announcer announcer;
    private final PromptFiles files;
    private final QueuePlace queue;
    private final TrackingRoute route;
    private final PromptClock clock;

    ServerReports(PromptTracker tracker, NodeSlots nodes, Announcer announcer, PromptFiles files, QueuePlace queue,
                  TrackingRoute route, PromptClock clock) {
        this.tracker = tracker;
        this.nodes = nodes;
        this.announcer = announcer;
        this.files = files;
        this.queue = queue;
        this.route = route;
        this.clock = clock;
    }

    /** One message whose prompt_id is ours. */
    PromptTracker.Next message(ServerMessage m) {
        String id = tracker.promptId();
        if (m instanceof ServerMessage.ExecutionStart) {
            tracker.toRunning();
        } else if (m instanceof ServerMessage.ExecutionCached c) {
            tracker.toRunning();
            List<NodeRef> cached = nodes.cached(c.nodes());
            announcer.cached(cached);
            announcer.started(id, cached);
        } else if (m instanceof ServerMessage.Executing e) {
            if (e.node() == null) {
                tracker.heardEnd();
                return PromptTracker.Next.NEEDS_HISTORY; // end marker without a terminal event before it: ask history
            }
            running(id);
            nodes.executing(e.node());
        } else if (m instanceof ServerMessage.Progress p) {
            running(id);
            NodeRef node = nodes.step(p.node(), p.value(), p.max());
            double f = nodes.fraction();
            announcer.emit(new PromptEvent.StepProgress(id, node, p.value(), p.max(), f,
                    clock.eta(tracker.phase(), f)));
        } else if (m instanceof ServerMessage.ProgressState ps) {
            running(id);
            nodes.progressState(ps.nodes());
        } else if (m instanceof ServerMessage.Executed ex) {
            boolean fromCache = nodes.isCached(ex.node());
            List<OutputRef> produced = ResultParts.outputs(ex.node(), ex.output());
            if (!produced.isEmpty()) {
                files.produced(produced);
                announcer.emit(new PromptEvent.OutputProduced(id, nodes.ref(ex.node()), produced, fromCache));
            }
        } else if (m instanceof ServerMessage.ExecutionSuccess) {
            tracker.heardEnd();
            if (route.successNeedsHistory()) {
                return PromptTracker.Next.NEEDS_HISTORY; // read at the end marker or the next reconcile
            }
            return tracker.conclude(OutcomeRules.SUCCESS);
        } else if (m instanceof ServerMessage.ExecutionError err) {
            if (!err.terminal()) {
                return PromptTracker.Next.NOTHING; // ExecutionBlocked: execution goes on (protocol §4.10)
            }
            return tracker.conclude(OutcomeRules.failed(err, nodes.failed(err.nodeId())));
        } else if (m instanceof ServerMessage.ExecutionInterrupted in) {
            return tracker.conclude(OutcomeRules.interrupted(in, nodes.interruptedAt(in.nodeId()),
                    tracker.cancelRequested()));
        }
        return PromptTracker.Next.NOTHING;
    }

    /** Pending at this 1-based position of {@code /queue}; true if the place changed. */
    boolean queued(int position, int total) {
        boolean moved = position != queue.position();
        boolean changed = queue.pending(position, total);
        if (moved && tracker.phase() == PromptPhase.QUEUED) {
            // Only a move is news to the listener: with many prompts of ours queued, each acceptance changes the
            // total for all of them (1,000 events per /queue read at 1,000 in flight) while no position moves.
            announcer.emit(new PromptEvent.Queued(tracker.promptId(), position, total));
        }
        return changed;
    }

    /** Running per {@code /queue}; true if we had not seen it start. */
    boolean running(int total) {
        queue.running(total);
        if (tracker.phase() != PromptPhase.RUNNING) {
            running(tracker.promptId());
            return true;
        }
        return false;
    }

    /** A status frame's {@code remaining} count (see {@link QueuePlace#atMost}), for an accepted, queued prompt. */
    void atMost(int remaining) {
        if (queue.atMost(remaining)) {
            announcer.emit(new PromptEvent.Queued(tracker.promptId(), remaining, remaining));
        }
    }

    /**
     * The {@code /history/{id}} entry: which nodes ran, were cached or failed and what they wrote, not when. A node
     * not seen running is reported done without a duration (never an invented one), and before the files it wrote,
     * as it happened.
     */
    void history(JsonNode entry) {
        String id = tracker.promptId();
        HistoryEntry h = HistoryEntry.parse(entry);
        for (List<String> batch : h.cachedBatches()) {
            List<NodeRef> cached = nodes.cachedPerHistory(batch);
            tracker.toRunning();
            announcer.cached(cached);
            announcer.started(id, cached);
        }
        running(id);
        if (h.succeeded()) {
            // Every node that ran is done; those with outputs first finish, then their files are reported.
            nodes.finishedPerHistory(h);
        }
        h.outputsNotIn(files.produced()).forEach((nodeId, list) -> {
            boolean fromCache = nodes.isCached(nodeId);
            files.produced(list);
            announcer.emit(new PromptEvent.OutputProduced(id, nodes.ref(nodeId), list, fromCache));
        });
        tracker.conclude(OutcomeRules.ofHistory(h, nodes, tracker.cancelRequested()));
    }

    /** Running, and the listener told so once (with no newly cached nodes). */
    private void running(String id) {
        tracker.toRunning();
        announcer.started(id, List.of());
    }
}
