package io.comfyrun.client.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.Deadlines;
import io.comfyrun.client.NodeRun;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.PromptSnapshot;
import io.comfyrun.client.TrackingMethod;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.progress.NodeProgress;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.NodeState;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.PromptPhase;
import io.comfyrun.client.progress.PromptProgress;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The state of one prompt: a pure state machine fed by WebSocket messages and HTTP reconcile results, emitting
 * {@link PromptEvent}s. It does no I/O; its {@link io.comfyrun.client.ServerConnection} does. All mutators are
 * synchronized; they are short and never block.
 */
public final class PromptTracker implements PromptHandle {

    /** What the connection must do after feeding a message. */
    public enum Next { NOTHING, FINISHED, NEEDS_HISTORY }

    private final URI server;
    private final WorkflowNodes workflow;
    private final Deadlines deadlines;
    private final Instant createdAt;
    private final EventSink sink;
    private final CompletableFuture<PromptResult> result = new CompletableFuture<>();
    private final Function<PromptTracker, CompletableFuture<Void>> canceller;
    private final Map<String, Slot> slots;
    /** The workflow's nodes as the snapshot persists them, computed once. */
    private final List<String> nodeLines;

    // Guarded by this: every field below is read and written only inside this tracker's synchronized methods, from
    // the reader thread (events), io threads (POST answer, reconcile), the scheduler (deadlines, heartbeat) and the
    // caller (cancel, snapshot). Listener callbacks run later on the listener executor, never under this lock.
    private String promptId;
    private String clientId;
    private PromptPhase phase = PromptPhase.SUBMITTING;
    private boolean accepted;
    private boolean posted;
    /** The POST answer is in (or a check after an ambiguous failure found the prompt, or it was resumed). */
    private boolean answered;
    /** Nodes the POST answer refused (200 with node_errors): the prompt ran only its valid outputs. */
    private List<PromptError> refusedNodes = List.of();
    /** A terminal outcome the server reported before its POST answer: decided when the answer is in. */
    private Outcome heldOutcome;
    private List<PromptError> heldErrors;
    /** execution_success or the end marker arrived over the socket: only the history entry is missing. */
    private boolean endHeard;
    private boolean announced;
    private boolean startedAnnounced;
    private Instant submittedAt;
    private Instant startedAt;
    private long startedNanos;
    private Instant lastSignal;
    private long lastEmitNanos = System.nanoTime();
    private int queuePosition;
    private int queueTotal;
    private Slot current;
    private final List<OutputRef> outputs = new ArrayList<>(2);
    private TrackingMethod method;
    private TrackingMethod trackingNow;
    private boolean cancelRequested;
    private boolean orphaned;
    /** The WebSocket was down at some point while in flight: {@code executed} messages may have been missed. */
    private boolean eventGap;
    private int historyMisses;
    /** Something about this prompt came over the socket since the last silent check. */
    private boolean heardSinceCheck;
    private int silentRunningChecks;
    /** Silent running checks in a row that make the socket suspect; doubles each time it was suspected. */
    private int silentLimit = 2;
    private PromptResult finalResult;
    /** Markers of the rare events already delivered (see {@link #marker}); persisted in the snapshot. */
    private final Set<String> logged = new LinkedHashSet<>();
    /** Markers a resumed snapshot says were delivered before the restart: not delivered again. */
    private Set<String> loggedBefore = Set.of();
    private final Set<String> downloaded = new LinkedHashSet<>();
    private java.util.function.Consumer<PromptTracker> onDone = t -> { };

    private static final class Slot {
        final NodeRef ref;
        final double weight;
        NodeState state = NodeState.PENDING;
        int value;
        int max;
        long startNanos;
        long millis;

        Slot(NodeRef ref, double weight) {
            this.ref = ref;
            this.weight = weight;
        }
    }

    public PromptTracker(String promptId, String clientId, URI server, WorkflowNodes workflow, Deadlines deadlines,
                         Instant createdAt, TrackingMethod method, ProgressListener listener, Executor listenerExecutor,
                         Function<PromptTracker, CompletableFuture<Void>> canceller) {
        this.promptId = promptId;
        this.clientId = clientId;
        this.server = server;
        this.workflow = workflow;
        this.deadlines = deadlines;
        this.createdAt = createdAt;
        this.lastSignal = createdAt;
        this.method = method;
        this.trackingNow = method;
        this.sink = new EventSink(listener, listenerExecutor);
        this.canceller = canceller;
        this.nodeLines = workflow.toSnapshot();
        this.slots = new LinkedHashMap<>(Math.max(4, workflow.size() * 2));
        for (int i = 0; i < workflow.size(); i++) {
            NodeRef r = workflow.refs().get(i);
            slots.put(r.id(), new Slot(r, workflow.weight(i)));
        }
    }

    /** Called (under this tracker's lock) when the outcome is decided, before the result future completes. */
    public synchronized void onDone(java.util.function.Consumer<PromptTracker> hook) {
        this.onDone = hook;
    }

    /** Restores what a snapshot says (resume). */
    public synchronized void restore(PromptSnapshot s) {
        // Deadlines stay absolute across the restart. A snapshot taken before the POST has no submittedAt: the POST
        // followed it at once, so the queued deadline counts from the prompt's creation rather than never firing.
        this.submittedAt = s.submittedAt() != null ? s.submittedAt() : s.createdAt();
        this.startedAt = s.startedAt();
        this.accepted = true; // possibly: reconcile decides, and never resubmits
        this.answered = true;
        this.announced = true;
        this.phase = s.startedAt() != null ? PromptPhase.RUNNING : PromptPhase.QUEUED;
        this.startedAnnounced = s.startedAt() != null;
        this.startedNanos = System.nanoTime();
        this.logged.addAll(s.logged());
        this.loggedBefore = Set.copyOf(s.logged());
        this.downloaded.addAll(s.downloaded());
        this.lastSignal = Instant.now();
        // Nodes that finished before the restart count as done, or the workflow percent would fall back.
        for (String m : s.logged()) {
            if (m.startsWith("node:") && m.endsWith(":finished")) {
                Slot slot = slots.get(m.substring("node:".length(), m.length() - ":finished".length()));
                if (slot != null) {
                    slot.state = NodeState.FINISHED;
                }
            }
        }
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
        List<NodeProgress> nodes = new ArrayList<>(slots.size());
        for (Slot s : slots.values()) {
            long ms = s.state == NodeState.RUNNING ? (System.nanoTime() - s.startNanos) / 1_000_000 : s.millis;
            nodes.add(new NodeProgress(s.ref, s.state, s.value, s.max, ms));
        }
        double f = phase == PromptPhase.DONE && finalResult != null && finalResult.isSuccess() ? 1.0 : fraction();
        return new PromptProgress(promptId, phase, queuePosition, queueTotal, nodes,
                current == null ? null : current.ref, f, eta(f), outputs, method);
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
        return new PromptSnapshot(server, clientId, promptId, deadlines, createdAt, submittedAt, startedAt, logged,
                downloaded, nodeLines);
    }

    @Override
    public void downloaded(OutputRef output) {
        PromptSnapshot s;
        synchronized (this) {
            if (!downloaded.add(output.path())) {
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
        return orphaned;
    }

    /** The socket told this prompt's end (execution_success or the end marker); only its history entry is missing. */
    public synchronized boolean endHeard() {
        return endHeard;
    }

    public synchronized String clientId() {
        return clientId;
    }

    public synchronized Instant lastSignal() {
        return lastSignal;
    }

    public Deadlines deadlines() {
        return deadlines;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public synchronized NodeRef node(String id) {
        Slot s = slots.get(id);
        return s == null ? null : s.ref;
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
        if (!accepted) {
            this.method = trackedBy;
            this.trackingNow = trackedBy;
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
        finish(Outcome.INTERRUPTED, List.of(new PromptError("cancelled", null, null, null, null,
                "prompt cancelled before it was submitted", "")));
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
        answered = true;
        refusedNodes = List.copyOf(refused);
        if (heldOutcome != null) {
            conclude(heldOutcome, heldErrors);
            return;
        }
        accepted = true;
        if (submittedAt == null) {
            submittedAt = at;
        }
        signal();
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
        signal();
        heardSinceCheck = true;
        announce();
        if (m instanceof ServerMessage.ExecutionStart) {
            toRunning();
        } else if (m instanceof ServerMessage.ExecutionCached c) {
            toRunning();
            List<NodeRef> cached = new ArrayList<>(c.nodes().size());
            for (String id : c.nodes()) {
                Slot s = slot(id);
                s.state = NodeState.CACHED;
                cached.add(s.ref);
            }
            announceStarted(cached);
        } else if (m instanceof ServerMessage.Executing e) {
            if (e.node() == null) {
                endHeard = true;
                return Next.NEEDS_HISTORY; // end marker without a terminal event before it: ask history
            }
            toRunning();
            announceStarted(List.of());
            startNode(slot(e.node()));
        } else if (m instanceof ServerMessage.Progress p) {
            toRunning();
            announceStarted(List.of());
            Slot s = slot(p.node());
            startNode(s);
            s.value = p.value();
            s.max = p.max();
            double f = fraction();
            emit(new PromptEvent.StepProgress(promptId, s.ref, p.value(), p.max(), f, eta(f)));
        } else if (m instanceof ServerMessage.ProgressState ps) {
            toRunning();
            announceStarted(List.of());
            ps.nodes().forEach((id, entry) -> {
                Slot s = slot(id);
                if (s.state == NodeState.CACHED && !"running".equals(entry.state())) {
                    return;
                }
                if (entry.max() > 0 && entry.max() != 1.0) {
                    s.value = (int) entry.value();
                    s.max = (int) entry.max();
                }
                if ("running".equals(entry.state())) {
                    startNode(s);
                } else if ("finished".equals(entry.state())) {
                    finishNode(s);
                } else if ("error".equals(entry.state())) {
                    s.state = NodeState.ERROR;
                }
            });
        } else if (m instanceof ServerMessage.Executed ex) {
            Slot s = slot(ex.node());
            boolean fromCache = s.state == NodeState.CACHED;
            List<OutputRef> produced = ResultParts.outputs(ex.node(), ex.output());
            if (!produced.isEmpty()) {
                addOutputs(produced);
                emit(new PromptEvent.OutputProduced(promptId, s.ref, produced, fromCache));
            }
        } else if (m instanceof ServerMessage.ExecutionSuccess) {
            endHeard = true;
            if (eventGap || method != TrackingMethod.WEBSOCKET) {
                // Nothing missed during a gap is replayed (protocol §2.2): an output announced then would be lost.
                // The history entry lists them all; it is read at the end marker or the next reconcile.
                return Next.NEEDS_HISTORY;
            }
            return conclude(Outcome.SUCCESS, List.of());
        } else if (m instanceof ServerMessage.ExecutionError err) {
            if (!err.terminal()) {
                return Next.NOTHING; // ExecutionBlocked: execution goes on (protocol §4.10)
            }
            Slot s = err.nodeId() == null ? null : slot(err.nodeId());
            if (s != null) {
                s.state = NodeState.ERROR;
            }
            return conclude(Outcome.FAILED, List.of(ResultParts.executionError(err, s == null ? null : s.ref)));
        } else if (m instanceof ServerMessage.ExecutionInterrupted in) {
            Slot s = in.nodeId() == null ? null : slot(in.nodeId());
            if (s != null && s.state == NodeState.RUNNING) {
                s.state = NodeState.ERROR;
            }
            String who = cancelRequested ? "cancelled by this client" : "interrupted on the server";
            return conclude(Outcome.INTERRUPTED, List.of(new PromptError("interrupted", in.nodeId(), in.nodeType(),
                    s == null ? in.nodeType() : s.ref.title(), null, "prompt " + who
                    + (in.nodeId() == null ? "" : " while node " + in.nodeId() + " was running"), "")));
        }
        return Next.NOTHING;
    }

    // ---------------------------------------------------------------- HTTP input (reconcile / polling)

    /** {@code /queue} shows the prompt pending at this 1-based position. Returns true if that is news. */
    public synchronized boolean seenQueued(int position, int total) {
        if (phase == PromptPhase.DONE) {
            return false;
        }
        signal();
        historyMisses = 0;
        if (!accepted) {
            accepted(Instant.now());
        }
        boolean moved = position != queuePosition;
        boolean changed = moved || total != queueTotal;
        queuePosition = position;
        queueTotal = total;
        if (moved && phase == PromptPhase.QUEUED) {
            // Only a move is news to the listener: with many prompts of ours queued, each acceptance changes the
            // total for all of them (1,000 events per /queue read at 1,000 in flight) while no position moves.
            emit(new PromptEvent.Queued(promptId, position, total));
        }
        return changed;
    }

    /** {@code /queue} shows the prompt running. Returns true if that is news (we had not seen it start). */
    public synchronized boolean seenRunning(int total) {
        if (phase == PromptPhase.DONE) {
            return false;
        }
        signal();
        historyMisses = 0;
        if (!accepted) {
            accepted(Instant.now());
        }
        queueTotal = total;
        if (phase != PromptPhase.RUNNING) {
            toRunning();
            announceStarted(List.of());
            return true;
        }
        return false;
    }

    /**
     * A reconcile made because the prompts were silent found this one running while the socket is up. Returns true
     * when that happened {@code limit} checks in a row with nothing about the prompt arriving over the socket in
     * between (a deaf socket, §2.6, looks exactly like this; so does a long node that sends nothing). The limit starts
     * at 2 and doubles each time, so a healthy five-minute silent node costs only a few re-subscriptions.
     */
    public synchronized boolean silentRunningCheck() {
        if (phase != PromptPhase.RUNNING) {
            return false;
        }
        silentRunningChecks = heardSinceCheck ? 0 : silentRunningChecks + 1;
        heardSinceCheck = false;
        if (silentRunningChecks < silentLimit) {
            return false;
        }
        silentRunningChecks = 0;
        silentLimit = Math.min(silentLimit * 2, 1 << 12);
        return true;
    }

    /** The socket is being replaced on purpose (no drop to report): events in between may be missed. */
    public synchronized void missedEvents() {
        eventGap = true;
    }

    /** Neither queued nor in history; returns the number of such misses in a row. */
    public synchronized int historyMiss() {
        return ++historyMisses;
    }

    /**
     * Finishes from a {@code /history/{id}} entry. It tells which nodes ran, were cached or failed and what they
     * wrote, not when: a node not seen running is reported done without a duration (never an invented one), and
     * before the files it wrote, as it happened.
     */
    public synchronized void finishFromHistory(JsonNode entry) {
        if (phase == PromptPhase.DONE) {
            return;
        }
        signal();
        announce();
        JsonNode status = entry.path("status");
        JsonNode messages = status.path("messages");
        JsonNode errorMsg = null;
        boolean interrupted = false;
        for (JsonNode m : messages) {
            String type = m.path(0).asText();
            JsonNode data = m.path(1);
            if (type.equals("execution_cached")) {
                List<NodeRef> cached = new ArrayList<>();
                for (JsonNode id : data.path("nodes")) {
                    Slot s = slot(id.asText());
                    if (s.state == NodeState.PENDING) {
                        s.state = NodeState.CACHED;
                    }
                    cached.add(s.ref);
                }
                toRunning();
                announceStarted(cached);
            } else if (type.equals("execution_error")) {
                errorMsg = data;
            } else if (type.equals("execution_interrupted")) {
                interrupted = true;
            }
        }
        toRunning();
        announceStarted(List.of());
        String statusStr = status.path("status_str").asText(null);
        boolean succeeded = errorMsg == null && !interrupted && !"error".equals(statusStr);
        List<OutputRef> hist = ResultParts.historyOutputs(entry);
        if (succeeded) {
            // Every node that ran is done; those with outputs first finish, then their files are reported.
            for (Slot s : slots.values()) {
                boolean wrote = hist.stream().anyMatch(o -> o.nodeId().equals(s.ref.id()));
                if (s.state == NodeState.RUNNING || s.state == NodeState.PENDING && (messages.size() > 0 || wrote)) {
                    finishNode(s);
                }
            }
        }
        Map<String, List<OutputRef>> fresh = new LinkedHashMap<>();
        for (OutputRef o : hist) {
            if (!outputs.contains(o)) {
                fresh.computeIfAbsent(o.nodeId(), k -> new ArrayList<>()).add(o);
            }
        }
        fresh.forEach((nodeId, list) -> {
            Slot s = slot(nodeId);
            addOutputs(list);
            emit(new PromptEvent.OutputProduced(promptId, s.ref, list, s.state == NodeState.CACHED));
        });
        if (errorMsg != null) {
            ServerMessage.ExecutionError err = ResultParts.historyError(errorMsg);
            Slot s = err.nodeId() == null ? null : slot(err.nodeId());
            if (s != null) {
                s.state = NodeState.ERROR;
            }
            conclude(Outcome.FAILED, List.of(ResultParts.executionError(err, s == null ? null : s.ref)));
        } else if (interrupted) {
            conclude(Outcome.INTERRUPTED, List.of(new PromptError("interrupted", null, null, null, null,
                    cancelRequested ? "prompt cancelled by this client" : "prompt interrupted on the server", "")));
        } else if ("error".equals(statusStr)) {
            conclude(Outcome.FAILED, List.of(new PromptError("execution_error", null, null, null, null,
                    "the server recorded the prompt as failed without details", "")));
        } else {
            conclude(Outcome.SUCCESS, List.of());
        }
    }

    // ---------------------------------------------------------------- connection-level events

    /** A sign of life that changes nothing else (a preview frame about this prompt). */
    public synchronized void touch() {
        signal();
        heardSinceCheck = true;
    }

    public synchronized void connectionLost(String reason) {
        eventGap = true;
        if (phase != PromptPhase.DONE) {
            emit(new PromptEvent.ConnectionLost(promptId, server, reason));
        }
    }

    public synchronized void connectionRestored(Duration downFor) {
        if (phase != PromptPhase.DONE) {
            emit(new PromptEvent.ConnectionRestored(promptId, server, downFor));
        }
    }

    /** Tracking switched (WebSocket ⇄ polling) while this prompt was in flight. */
    public synchronized void trackedBy(TrackingMethod now) {
        if (phase == PromptPhase.DONE) {
            return;
        }
        if (now == trackingNow) {
            return;
        }
        trackingNow = now;
        method = method.combine(now);
        if (accepted) {
            emit(new PromptEvent.TrackingChanged(promptId, now));
        }
    }

    /** The socket this prompt's events go to is gone for good (clientId rotated): follow it by polling. */
    public synchronized void orphan() {
        if (!orphaned && phase != PromptPhase.DONE) {
            orphaned = true;
            trackedBy(TrackingMethod.POLLING);
        }
    }

    /** Emits a heartbeat if nothing was emitted for {@code every}. */
    public synchronized void heartbeat(Duration every) {
        if ((phase == PromptPhase.QUEUED || phase == PromptPhase.RUNNING) && accepted
                && System.nanoTime() - lastEmitNanos >= every.toNanos()) {
            Instant from = submittedAt == null ? createdAt : submittedAt;
            emit(new PromptEvent.Heartbeat(promptId, phase, Duration.between(from, Instant.now())));
        }
    }

    /**
     * The earliest instant at which one of this prompt's deadlines can pass in its current phase (connect and
     * submit before acceptance; queued or running, no-signal and total after), or null if none applies.
     */
    public synchronized Instant nextDeadline() {
        if (phase == PromptPhase.DONE) {
            return null;
        }
        if (!accepted) {
            return Deadlines.earliest(Deadlines.after(createdAt, deadlines.total()),
                    Deadlines.after(createdAt, posted ? deadlines.submit() : deadlines.connect()));
        }
        return DeadlineRule.earliest(times(), deadlines);
    }

    private DeadlineRule.Times times() {
        return new DeadlineRule.Times(phase, createdAt, submittedAt, startedAt, lastSignal);
    }

    /**
     * Checks the queued, running, no-signal and total deadlines; finishes as TIMED_OUT if one passed. Before the server
     * accepted the prompt only 'total' applies here ('connect' and 'submit' are the submitter's).
     */
    public synchronized boolean checkDeadlines(Instant now) {
        if (phase == PromptPhase.DONE) {
            return false;
        }
        if (!accepted) {
            if (passed(now, createdAt, deadlines.total())) {
                finish(Outcome.TIMED_OUT, List.of(new PromptError("timeout", null, null, null, null,
                        DeadlineRule.TOTAL.failure(deadlines) + " before the server accepted it; " + (posted
                                ? "any copy that got in is cancelled on the server" : "it was never sent"), "")));
                return true;
            }
            return false;
        }
        DeadlineRule rule = DeadlineRule.passed(now, times(), deadlines);
        if (rule == null) {
            return false;
        }
        finish(Outcome.TIMED_OUT, List.of(new PromptError("timeout", current == null ? null : current.ref.id(),
                current == null ? null : current.ref.classType(), current == null ? null : current.ref.title(), null,
                rule.failure(deadlines) + "; it was cancelled on the server", "")));
        return true;
    }

    /**
     * The server reported the end (an event, or the history entry). Before its POST answer the outcome is held: the
     * answer may refuse some nodes, and the rule below must not depend on which of the two arrived first.
     */
    private Next conclude(Outcome outcome, List<PromptError> errors) {
        if (posted && !answered) {
            heldOutcome = outcome;
            heldErrors = errors;
            return Next.NOTHING;
        }
        finish(outcomeWithRefusals(outcome), errorsWithRefusals(errors));
        return Next.FINISHED;
    }

    /**
     * Rule for a partially valid prompt (200 with node_errors): the server ran only the valid outputs; a run that
     * otherwise succeeded is still REJECTED, since outputs the user asked for were refused. Its files are kept.
     */
    private Outcome outcomeWithRefusals(Outcome outcome) {
        return outcome == Outcome.SUCCESS && !refusedNodes.isEmpty() ? Outcome.REJECTED : outcome;
    }

    private List<PromptError> errorsWithRefusals(List<PromptError> errors) {
        if (refusedNodes.isEmpty()) {
            return errors;
        }
        List<PromptError> all = new ArrayList<>(refusedNodes);
        all.addAll(errors);
        return all;
    }

    /**
     * A status frame says {@code remaining} prompts (every user's, running and pending) are left: a queued prompt of
     * ours cannot be further back than that. Costs nothing; the exact position comes from /queue when ours change.
     */
    public synchronized void queueAtMost(int remaining) {
        if (phase != PromptPhase.QUEUED || !accepted || remaining <= 0) {
            return;
        }
        queueTotal = remaining;
        if (queuePosition > remaining) {
            queuePosition = remaining;
            emit(new PromptEvent.Queued(promptId, queuePosition, queueTotal));
        }
    }

    /** Finishes with an outcome decided outside (rejected, unreachable, lost, cancelled before posting...). */
    public synchronized boolean fail(Outcome outcome, List<PromptError> errors) {
        if (phase == PromptPhase.DONE) {
            return false;
        }
        finish(outcome, errors);
        return true;
    }

    public synchronized PromptResult finalResult() {
        return finalResult;
    }

    // ---------------------------------------------------------------- internals

    private void signal() {
        lastSignal = Instant.now();
    }

    private void announce() {
        if (!announced) {
            announced = true;
            accepted = true;
            if (submittedAt == null) {
                submittedAt = Instant.now();
            }
            emit(new PromptEvent.Submitted(promptId, server, method));
        }
    }

    private void toRunning() {
        if (phase == PromptPhase.SUBMITTING || phase == PromptPhase.QUEUED) {
            phase = PromptPhase.RUNNING;
            queuePosition = 0;
            if (startedAt == null) {
                startedAt = Instant.now();
            }
            startedNanos = System.nanoTime();
        }
    }

    private void announceStarted(List<NodeRef> cached) {
        if (!startedAnnounced) {
            startedAnnounced = true;
            emit(new PromptEvent.Started(promptId, cached));
        }
    }

    private void startNode(Slot s) {
        if (s.state == NodeState.RUNNING || s.state == NodeState.FINISHED || s.state == NodeState.ERROR) {
            return;
        }
        if (current != null && current != s && current.state == NodeState.RUNNING) {
            finishNode(current);
        }
        s.state = NodeState.RUNNING;
        s.startNanos = System.nanoTime();
        current = s;
        emit(new PromptEvent.NodeStarted(promptId, s.ref));
    }

    private void finishNode(Slot s) {
        if (s.state == NodeState.FINISHED || s.state == NodeState.CACHED || s.state == NodeState.ERROR) {
            return;
        }
        boolean wasRunning = s.state == NodeState.RUNNING;
        s.millis = wasRunning ? (System.nanoTime() - s.startNanos) / 1_000_000 : NodeRun.UNMEASURED;
        s.state = NodeState.FINISHED;
        if (s.max > 0) {
            s.value = s.max;
        }
        if (current == s) {
            current = null;
        }
        emit(new PromptEvent.NodeFinished(promptId, s.ref, s.millis));
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

    private void addOutputs(List<OutputRef> more) {
        for (OutputRef o : more) {
            if (!outputs.contains(o)) {
                outputs.add(o);
            }
        }
    }

    private double fraction() {
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

    private Duration eta(double f) {
        if (phase != PromptPhase.RUNNING || f < 0.02 || f >= 1) {
            return null;
        }
        long elapsed = System.nanoTime() - startedNanos;
        return Duration.ofNanos((long) (elapsed * (1 - f) / f));
    }

    private void finish(Outcome outcome, List<PromptError> errors) {
        if (outcome == Outcome.SUCCESS) {
            if (current != null) {
                finishNode(current);
            }
            for (Slot s : slots.values()) {
                if (s.state == NodeState.RUNNING) {
                    finishNode(s);
                }
            }
        }
        phase = PromptPhase.DONE;
        Instant from = submittedAt == null ? createdAt : submittedAt;
        List<NodeRun> runs = new ArrayList<>(slots.size());
        for (Slot s : slots.values()) {
            long ms = s.state == NodeState.RUNNING ? (System.nanoTime() - s.startNanos) / 1_000_000 : s.millis;
            runs.add(new NodeRun(s.ref.id(), s.ref.classType(), s.ref.title(), s.state == NodeState.CACHED, ms));
        }
        PromptResult r = new PromptResult(outcome, promptId, server, method, Duration.between(from, Instant.now()),
                runs, outputs, errors);
        finalResult = r;
        onDone.accept(this);
        emit(new PromptEvent.Finished(promptId, r));
        sink.then(() -> result.complete(r));
    }

    private void emit(PromptEvent e) {
        String marker = marker(e);
        if (marker != null && loggedBefore.contains(marker)) {
            return; // delivered (and printed) before the restart this prompt was resumed from
        }
        lastEmitNanos = System.nanoTime();
        sink.emit(e);
        if (marker != null && logged.add(marker) && !(e instanceof PromptEvent.NodeStarted)) {
            // The moments a durable caller persists (accepted, started, node done, output): rare, cheap to save.
            sink.snapshot(snapshot());
        }
    }

    /** The persisted marker of a rare event, or null for frequent ones (steps, queue positions, heartbeats). */
    private static String marker(PromptEvent e) {
        if (e instanceof PromptEvent.Submitted) {
            return "submitted";
        } else if (e instanceof PromptEvent.Started) {
            return "started";
        } else if (e instanceof PromptEvent.NodeStarted n) {
            return "node:" + n.node().id() + ":started";
        } else if (e instanceof PromptEvent.NodeFinished n) {
            return "node:" + n.node().id() + ":finished";
        } else if (e instanceof PromptEvent.OutputProduced o) {
            StringBuilder b = new StringBuilder("output:").append(o.node().id());
            o.outputs().forEach(r -> b.append(':').append(r.path()));
            return b.toString();
        }
        return null;
    }

    private static boolean passed(Instant now, Instant from, Duration budget) {
        return budget != null && from != null && now.isAfter(from.plus(budget));
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return (s / 60) + " min";
        }
        return (s / 3600) + " h";
    }

    @Override
    public String toString() {
        return "PromptTracker[" + promptId + " on " + server + "]";
    }

    /** Text of a JSON field, for the connection's messages. */
    static String text(JsonNode n, String f) {
        return Json.text(n, f);
    }
}
