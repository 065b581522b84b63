package io.comfyrun.client.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.Deadlines;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.PromptSnapshot;
import io.comfyrun.client.TrackingMethod;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.PromptPhase;
import io.comfyrun.client.progress.PromptProgress;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The state of one prompt: a pure state machine fed by WebSocket messages and HTTP reconcile results, emitting
 * {@link PromptEvent}s. It does no I/O; its {@link io.comfyrun.client.ServerConnection} does. All mutators are
 * synchronized; they are short and never block. Its parts, each touched only under this tracker's lock: the nodes
 * ({@link NodeSlots}), the instants and deadlines ({@link PromptClock}), the outcome rules ({@link OutcomeRules},
 * {@link HistoryEntry}), what the listener was told ({@link Announcer}), the place in the queue ({@link QueuePlace}),
 * how it is followed ({@link TrackingRoute}), its files ({@link PromptFiles}) and the deaf-socket suspicion
 * ({@link SilenceWatch}). What the server reports (socket messages, {@code /queue}, {@code /history}) is applied to
 * those parts by {@link ServerReports}; the lifecycle (submitted, running, the end) is decided here.
 */
public final class PromptTracker implements PromptHandle {

    /** What the connection must do after feeding a message. */
    public enum Next { NOTHING, FINISHED, NEEDS_HISTORY }

    private final URI server;
    private final EventSink sink;
    private final CompletableFuture<PromptResult> result = new CompletableFuture<>();
    private final Function<PromptTracker, CompletableFuture<Void>> canceller;
    /** The workflow's nodes as the snapshot persists them, computed once. */
    private final List<String> nodeLines;

    // Guarded by this: every field below, and the parts it holds, is read and written only inside this tracker's
    // synchronized methods, from the reader thread (events), io threads (POST answer, reconcile), the scheduler
    // (deadlines, heartbeat) and the caller (cancel, snapshot). Listener callbacks run later on the listener
    // executor, never under this lock.
    private final NodeSlots nodes;
    private final PromptClock clock;
    private final OutcomeRules rules = new OutcomeRules();
    private final Announcer announcer;
    private final QueuePlace queue = new QueuePlace();
    private final TrackingRoute route;
    private final SilenceWatch silence = new SilenceWatch();
    private final PromptFiles files = new PromptFiles();
    private final ServerReports reports;
    private String promptId;
    private String clientId;
    private PromptPhase phase = PromptPhase.SUBMITTING;
    private boolean accepted;
    private boolean posted;
    /** execution_success or the end marker arrived over the socket: only the history entry is missing. */
    private boolean endHeard;
    private boolean cancelRequested;
    private PromptResult finalResult;
    private Consumer<PromptTracker> onDone = t -> { };

    public PromptTracker(String promptId, String clientId, URI server, WorkflowNodes workflow, Deadlines deadlines,
                         Instant createdAt, TrackingMethod method, ProgressListener listener, Executor listenerExecutor,
                         Function<PromptTracker, CompletableFuture<Void>> canceller) {
        this.promptId = promptId;
        this.clientId = clientId;
        this.server = server;
        this.clock = new PromptClock(createdAt, deadlines);
        this.route = new TrackingRoute(method);
        this.sink = new EventSink(listener, listenerExecutor);
        this.announcer = new Announcer(sink, this::snapshot);
        this.canceller = canceller;
        this.nodeLines = workflow.toSnapshot();
        this.nodes = new NodeSlots(workflow, new NodeMoments());
        this.reports = new ServerReports(this, nodes, announcer, files, queue, route, clock);
    }

    /** Turns a node's start and end into events (called by {@link #nodes}, under this lock). */
    private final class NodeMoments implements NodeSlots.NodeEvents {
        @Override
        public void nodeStarted(NodeRef node) {
            announcer.emit(new PromptEvent.NodeStarted(promptId, node));
        }

        @Override
        public void nodeFinished(NodeRef node, long millis) {
            announcer.emit(new PromptEvent.NodeFinished(promptId, node, millis));
        }
    }

    /** Called (under this tracker's lock) when the outcome is decided, before the result future completes. */
    public synchronized void onDone(Consumer<PromptTracker> hook) {
        this.onDone = hook;
    }

    /** Restores what a snapshot says (resume). */
    public synchronized void restore(PromptSnapshot s) {
        clock.resumed(s);
        this.accepted = true; // possibly: reconcile decides, and never resubmits
        rules.resumed();
        this.phase = s.startedAt() != null ? PromptPhase.RUNNING : PromptPhase.QUEUED;
        announcer.restore(s.logged(), s.startedAt() != null);
        files.savedBefore(s.downloaded());
        nodes.restoreBeforeRestart(s.logged());
    }

    // ---------------------------------------------------------------- PromptHandle

    @Override
    public synchronized String promptId() {
        return promptId;
    }

    @Override
    public CompletableFuture<PromptResult> result() {
        return result;
    }

    @Override
    public synchronized PromptProgress progress() {
        double f = phase == PromptPhase.DONE && finalResult != null && finalResult.isSuccess() ? 1.0 : nodes.fraction();
        return new PromptProgress(promptId, phase, queue.position(), queue.total(), nodes.progress(), nodes.current(),
                f, clock.eta(phase, f), files.produced(), route.method());
    }

    @Override
    public CompletableFuture<Void> cancel() {
        synchronized (this) {
            if (phase == PromptPhase.DONE) {
                return CompletableFuture.completedFuture(null);
            }
            cancelRequested = true;
        }
        return canceller.apply(this);
    }

    @Override
    public synchronized PromptSnapshot snapshot() {
        return new PromptSnapshot(server, clientId, promptId, clock.deadlines(), clock.createdAt(),
                clock.submittedAt(), clock.startedAt(), announcer.delivered(), files.saved(), nodeLines);
    }

    @Override
    public void downloaded(OutputRef output) {
        PromptSnapshot s;
        synchronized (this) {
            if (!files.saved(output.path())) {
                return;
            }
            s = snapshot();
        }
        sink.snapshot(s);
    }

    // ---------------------------------------------------------------- queries for the connection

    public synchronized boolean isDone() {
        return phase == PromptPhase.DONE;
    }

    /** Whether a POST was ever sent (or is being sent) for this prompt, accepted or not yet answered. */
    public synchronized boolean hasPosted() {
        return posted || accepted;
    }

    public synchronized boolean isAccepted() {
        return accepted;
    }

    public synchronized PromptPhase phase() {
        return phase;
    }

    public synchronized boolean cancelRequested() {
        return cancelRequested;
    }

    public synchronized boolean isOrphaned() {
        return route.orphaned();
    }

    /** The socket told this prompt's end (execution_success or the end marker); only its history entry is missing. */
    public synchronized boolean endHeard() {
        return endHeard;
    }

    public synchronized String clientId() {
        return clientId;
    }

    public Deadlines deadlines() {
        return clock.deadlines();
    }

    public Instant createdAt() {
        return clock.createdAt();
    }

    public synchronized NodeRef node(String id) {
        return nodes.find(id);
    }

    // ---------------------------------------------------------------- submission

    /**
     * The POST is about to be sent with this clientId (it may have been rotated since creation). Returns false, and
     * nothing may be sent, if the prompt ended meanwhile (a cancel or a deadline).
     */
    public synchronized boolean postingWith(String newClientId, TrackingMethod trackedBy) {
        if (phase == PromptPhase.DONE) {
            return false;
        }
        this.clientId = newClientId;
        this.posted = true;
        clock.posting();
        if (!accepted) {
            route.postingWith(trackedBy);
        }
        return true;
    }

    /**
     * A cancel before anything was sent ends the prompt now (INTERRUPTED) and returns true; false once a POST is out,
     * because then only the server can say whether a copy got in.
     */
    public synchronized boolean cancelBeforePosting() {
        if (phase == PromptPhase.DONE) {
            return true;
        }
        if (posted || accepted) {
            return false;
        }
        finish(Outcome.INTERRUPTED, OutcomeRules.cancelledBeforeSubmitted());
        return true;
    }

    /** The server chose another id (servers older than 0.3.45). */
    public synchronized void renamed(String serverId) {
        this.promptId = serverId;
    }

    /** The server accepted the POST (or a check found it queued/done after an ambiguous failure). */
    public synchronized void accepted(Instant at) {
        answered(at, List.of());
    }

    /**
     * The POST answer is in: accepted, with the nodes it refused ({@code node_errors} of a 200, else empty). A terminal
     * outcome the events told before the answer is decided now, by the same rule as after it.
     */
    public synchronized void answered(Instant at, List<PromptError> refused) {
        if (phase == PromptPhase.DONE) {
            return;
        }
        OutcomeRules.Verdict held = rules.answered(refused);
        if (held != null) {
            conclude(held);
            return;
        }
        accepted = true;
        clock.submitted(at);
        clock.signal();
        announce();
        if (phase == PromptPhase.SUBMITTING) {
            phase = PromptPhase.QUEUED;
        }
    }

    // ---------------------------------------------------------------- WebSocket input

    /** Feeds one message whose prompt_id is ours. */
    public synchronized Next onMessage(ServerMessage m) {
        if (phase == PromptPhase.DONE) {
            return Next.NOTHING;
        }
        clock.signal();
        silence.heard();
        announce();
        return reports.message(m);
    }

    // ---------------------------------------------------------------- HTTP input (reconcile / polling)

    /** {@code /queue} shows the prompt pending at this 1-based position. Returns true if that is news. */
    public synchronized boolean seenQueued(int position, int total) {
        if (phase == PromptPhase.DONE) {
            return false;
        }
        seenInQueue();
        return reports.queued(position, total);
    }

    /** {@code /queue} shows the prompt running. Returns true if that is news (we had not seen it start). */
    public synchronized boolean seenRunning(int total) {
        if (phase == PromptPhase.DONE) {
            return false;
        }
        seenInQueue();
        return reports.running(total);
    }

    /**
     * A reconcile made because the prompts were silent found this one running while the socket is up. Returns true
     * when that makes the socket suspect (a deaf socket, §2.6, looks exactly like this; so does a long node that
     * sends nothing): see {@link SilenceWatch}.
     */
    public synchronized boolean silentRunningCheck() {
        return phase == PromptPhase.RUNNING && silence.foundRunning();
    }

    /** The socket is being replaced on purpose (no drop to report): events in between may be missed. */
    public synchronized void missedEvents() {
        route.eventGap();
    }

    /** Neither queued nor in history; returns the number of such misses in a row. */
    public synchronized int historyMiss() {
        return queue.missed();
    }

    /** Finishes from a {@code /history/{id}} entry (see {@link ServerReports#history}). */
    public synchronized void finishFromHistory(JsonNode entry) {
        if (phase == PromptPhase.DONE) {
            return;
        }
        clock.signal();
        announce();
        reports.history(entry);
    }

    // ---------------------------------------------------------------- connection-level events

    /** A sign of life that changes nothing else (a preview frame about this prompt). */
    public synchronized void touch() {
        clock.signal();
        silence.heard();
    }

    public synchronized void connectionLost(String reason) {
        route.eventGap();
        if (phase != PromptPhase.DONE) {
            announcer.emit(new PromptEvent.ConnectionLost(promptId, server, reason));
        }
    }

    public synchronized void connectionRestored(Duration downFor) {
        if (phase != PromptPhase.DONE) {
            announcer.emit(new PromptEvent.ConnectionRestored(promptId, server, downFor));
        }
    }

    /** Tracking switched (WebSocket ⇄ polling) while this prompt was in flight. */
    public synchronized void trackedBy(TrackingMethod now) {
        if (phase != PromptPhase.DONE && route.switchTo(now) && accepted) {
            announcer.emit(new PromptEvent.TrackingChanged(promptId, now));
        }
    }

    /** The socket this prompt's events go to is gone for good (clientId rotated): follow it by polling. */
    public synchronized void orphan() {
        if (phase != PromptPhase.DONE && route.orphan()) {
            trackedBy(TrackingMethod.POLLING);
        }
    }

    /** The earliest instant one of its deadlines can pass (see {@link PromptClock#nextDeadline}); null once done. */
    public synchronized Instant nextDeadline() {
        return phase == PromptPhase.DONE ? null : clock.nextDeadline(phase, accepted, posted);
    }

    /**
     * One maintenance tick for this prompt under one lock acquisition, allocating nothing in the common case: ends it
     * TIMED_OUT if a deadline passed ({@link PromptClock#deadlinePassed}), emits a heartbeat if nothing was emitted for
     * {@code heartbeatEvery}, and says what the reconciler needs, as {@link TickFindings} bits.
     */
    public synchronized int maintain(Instant now, Instant silentBefore, Duration heartbeatEvery) {
        if (phase == PromptPhase.DONE) {
            return 0;
        }
        List<PromptError> late = clock.deadlinePassed(now, phase, accepted, posted, nodes.current());
        if (late != null) {
            finish(Outcome.TIMED_OUT, late);
            return TickFindings.TIMED_OUT | (posted || accepted ? TickFindings.POSTED : 0);
        }
        if (!accepted) {
            return 0;
        }
        boolean waiting = phase == PromptPhase.QUEUED || phase == PromptPhase.RUNNING;
        if (waiting && announcer.quietFor(heartbeatEvery)) {
            announcer.emit(new PromptEvent.Heartbeat(promptId, phase, clock.sinceSubmitted()));
        }
        int bits = TickFindings.ACCEPTED | (route.orphaned() ? TickFindings.ORPHANED : 0)
                | (phase == PromptPhase.QUEUED ? TickFindings.QUEUED : 0);
        return waiting && clock.lastSignal().isBefore(silentBefore) ? bits | TickFindings.SILENT : bits;
    }

    /** The server reported the end (an event, or the history entry): decided now, or held until the POST answer. */
    Next conclude(OutcomeRules.Verdict v) {
        if (rules.holdsUntilAnswered(posted, v)) {
            return Next.NOTHING;
        }
        OutcomeRules.Verdict decided = rules.withRefusals(v);
        finish(decided.outcome(), decided.errors());
        return Next.FINISHED;
    }

    /**
     * A status frame says {@code remaining} prompts are left (see {@link QueuePlace#atMost}). Costs nothing; the exact
     * position comes from /queue when ours change.
     */
    public synchronized void queueAtMost(int remaining) {
        if (phase != PromptPhase.QUEUED || !accepted || remaining <= 0) {
            return;
        }
        reports.atMost(remaining);
    }

    /** Finishes with an outcome decided outside (rejected, unreachable, lost, cancelled before posting...). */
    public synchronized boolean fail(Outcome outcome, List<PromptError> errors) {
        if (phase == PromptPhase.DONE) {
            return false;
        }
        finish(outcome, errors);
        return true;
    }

    // ---------------------------------------------------------------- internals

    /** {@code /queue} lists the prompt: a sign of life, and proof the server has it. */
    private void seenInQueue() {
        clock.signal();
        queue.listed();
        if (!accepted) {
            accepted(Instant.now());
        }
    }

    /** The socket told the prompt's end; only its history entry is missing. */
    void heardEnd() {
        endHeard = true;
    }

    private void announce() {
        if (announcer.firstSubmitted()) {
            accepted = true;
            clock.submitted(Instant.now());
            announcer.emit(new PromptEvent.Submitted(promptId, server, route.method()));
        }
    }

    void toRunning() {
        if (phase == PromptPhase.SUBMITTING || phase == PromptPhase.QUEUED) {
            phase = PromptPhase.RUNNING;
            queue.started();
            clock.started();
        }
    }

    private void finish(Outcome outcome, List<PromptError> errors) {
        if (outcome == Outcome.SUCCESS) {
            nodes.finishRunning();
        }
        phase = PromptPhase.DONE;
        PromptResult r = new PromptResult(outcome, promptId, server, route.method(), clock.sinceSubmitted(),
                nodes.runs(), files.produced(), errors);
        finalResult = r;
        onDone.accept(this);
        announcer.emit(new PromptEvent.Finished(promptId, r));
        sink.then(() -> result.complete(r));
    }

    @Override
    public String toString() {
        return "PromptTracker[" + promptId + " on " + server + "]";
    }

}
