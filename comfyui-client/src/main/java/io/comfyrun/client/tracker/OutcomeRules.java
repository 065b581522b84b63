package io.comfyrun.client.tracker;

import io.comfyrun.client.Deadlines;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.TrackingMethod;
import io.comfyrun.client.progress.NodeRef;

import java.util.ArrayList;
import java.util.List;

/**
 * How what the server says about a prompt's end becomes its {@link Outcome} and errors, one named method per rule:
 * the terminal messages ({@link #failed}, {@link #interrupted}, {@link #successNeedsHistory}), the history entry
 * ({@link #ofHistory}), the end told before the POST answer ({@link #holdsUntilAnswered}), and the partially valid
 * prompt ({@link #withRefusals}); plus the errors of the ends decided on this side (cancel, deadlines).
 *
 * <p>The per-prompt part (whether the POST answer is in, the nodes it refused, an end held until then) is owned by one
 * {@link PromptTracker} and touched only under that tracker's lock; no lock of its own.
 */
final class OutcomeRules {

    /** An outcome with its errors. */
    record Verdict(Outcome outcome, List<PromptError> errors) {
    }

    static final Verdict SUCCESS = new Verdict(Outcome.SUCCESS, List.of());

    /** The POST answer is in (or a check after an ambiguous failure found the prompt, or it was resumed). */
    private boolean answered;
    /** Nodes the POST answer refused (200 with node_errors): the prompt ran only its valid outputs. */
    private List<PromptError> refused = List.of();
    /** An end the server reported before the POST answer: decided when the answer is in. */
    private Verdict held;

    // ---------------------------------------------------------------- the rules that depend on the POST answer

    /**
     * Rule: an end reported while the POST is out and unanswered is held (returns true): the answer may refuse some
     * nodes, and the outcome must not depend on which of the two arrived first.
     */
    boolean holdsUntilAnswered(boolean posted, Verdict v) {
        if (posted && !answered) {
            held = v;
            return true;
        }
        return false;
    }

    /** The POST answer is in, refusing these nodes. Returns the end held until now, or null. */
    Verdict answered(List<PromptError> refusedNodes) {
        answered = true;
        refused = List.copyOf(refusedNodes);
        return held;
    }

    /** Resumed from a snapshot: the prompt was accepted before the restart. */
    void resumed() {
        answered = true;
    }

    /**
     * Rule for a partially valid prompt (200 with node_errors): the server ran only the valid outputs; a run that
     * otherwise succeeded is still REJECTED, since outputs the user asked for were refused. Its files are kept, and
     * the refused nodes come first among the errors.
     */
    Verdict withRefusals(Verdict v) {
        if (refused.isEmpty()) {
            return v;
        }
        List<PromptError> all = new ArrayList<>(refused);
        all.addAll(v.errors());
        return new Verdict(v.outcome() == Outcome.SUCCESS ? Outcome.REJECTED : v.outcome(), all);
    }

    // ---------------------------------------------------------------- the server's word on the end

    /**
     * Rule: {@code execution_success} heard after a socket gap, or while not following by WebSocket, waits for the
     * history entry: nothing missed during a gap is replayed (protocol §2.2), and the entry lists every output.
     */
    static boolean successNeedsHistory(boolean eventGap, TrackingMethod method) {
        return eventGap || method != TrackingMethod.WEBSOCKET;
    }

    /** Rule: an {@code execution_error} with a timestamp ends the prompt FAILED at the node it names. */
    static Verdict failed(ServerMessage.ExecutionError err, NodeRef at) {
        return new Verdict(Outcome.FAILED, List.of(ResultParts.executionError(err, at)));
    }

    /** Rule: {@code execution_interrupted} ends it INTERRUPTED, by this client's cancel or on the server. */
    static Verdict interrupted(ServerMessage.ExecutionInterrupted in, NodeRef at, boolean byUs) {
        String who = byUs ? "cancelled by this client" : "interrupted on the server";
        return new Verdict(Outcome.INTERRUPTED, List.of(new PromptError("interrupted", in.nodeId(), in.nodeType(),
                at == null ? in.nodeType() : at.title(), null, "prompt " + who
                + (in.nodeId() == null ? "" : " while node " + in.nodeId() + " was running"), "")));
    }

    /**
     * Rule for a history entry, the first that applies: a recorded error fails it at its node; a recorded interrupt
     * interrupts it; a failed status with no message fails it without details; anything else is a success.
     */
    static Verdict ofHistory(HistoryEntry h, NodeSlots nodes, boolean byUs) {
        if (h.failedAtNode()) {
            return failed(h.error(), nodes.failed(h.error().nodeId()));
        }
        if (h.interrupted()) {
            return new Verdict(Outcome.INTERRUPTED, List.of(new PromptError("interrupted", null, null, null, null,
                    byUs ? "prompt cancelled by this client" : "prompt interrupted on the server", "")));
        }
        if (h.recordedFailedWithoutDetails()) {
            return new Verdict(Outcome.FAILED, List.of(new PromptError("execution_error", null, null, null, null,
                    "the server recorded the prompt as failed without details", "")));
        }
        return SUCCESS;
    }

    // ---------------------------------------------------------------- ends decided on this side

    static List<PromptError> cancelledBeforeSubmitted() {
        return List.of(new PromptError("cancelled", null, null, null, null,
                "prompt cancelled before it was submitted", ""));
    }

    static List<PromptError> timedOutBeforeAccepted(Deadlines d, boolean posted) {
        return List.of(new PromptError("timeout", null, null, null, null, DeadlineRule.TOTAL.failure(d)
                + " before the server accepted it; "
                + (posted ? "any copy that got in is cancelled on the server" : "it was never sent"), ""));
    }

    static List<PromptError> timedOut(DeadlineRule rule, Deadlines d, NodeRef running) {
        return List.of(new PromptError("timeout", running == null ? null : running.id(),
                running == null ? null : running.classType(), running == null ? null : running.title(), null,
                rule.failure(d) + "; it was cancelled on the server", ""));
    }
}
