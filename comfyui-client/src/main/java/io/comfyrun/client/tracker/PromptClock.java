package io.comfyrun.client.tracker;

import io.comfyrun.client.Deadlines;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.PromptSnapshot;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.PromptPhase;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The instants of one prompt (created, accepted by the server, started running, last sign of life) and what is
 * counted from them: the deadlines that end it, its ETA, and the duration its result reports.
 *
 * <p>Owned by one {@link PromptTracker}; the mutable instants are touched only under that tracker's lock (no lock of
 * its own). {@code createdAt} and {@code deadlines} are final and read without the lock.
 */
final class PromptClock {

    private final Instant createdAt;
    private final Deadlines deadlines;
    private Instant submittedAt;
    private Instant startedAt;
    private long startedNanos;
    private Instant lastSignal;
    /**
     * No deadline can pass before this instant (null: not known). A lower bound: a sign of life only moves the
     * no-signal deadline later; what can move one earlier (acceptance, the POST, the start) clears it.
     */
    private Instant noDeadlineBefore;

    PromptClock(Instant createdAt, Deadlines deadlines) {
        this.createdAt = createdAt;
        this.deadlines = deadlines;
        this.lastSignal = createdAt;
    }

    Instant createdAt() {
        return createdAt;
    }

    Deadlines deadlines() {
        return deadlines;
    }

    Instant submittedAt() {
        return submittedAt;
    }

    Instant startedAt() {
        return startedAt;
    }

    Instant lastSignal() {
        return lastSignal;
    }

    /** A sign of life: the no-signal deadline counts from now. */
    void signal() {
        lastSignal = Instant.now();
    }

    /** A POST goes out: the deadlines that apply may change. */
    void posting() {
        noDeadlineBefore = null;
    }

    /** The server has the prompt (its instant is kept the first time only). */
    void submitted(Instant at) {
        noDeadlineBefore = null;
        if (submittedAt == null) {
            submittedAt = at;
        }
    }

    /** The prompt started running: its ETA counts from now, its running deadline from the first start. */
    void started() {
        noDeadlineBefore = null;
        if (startedAt == null) {
            startedAt = Instant.now();
        }
        startedNanos = System.nanoTime();
    }

    /**
     * Resume: deadlines stay absolute across the restart. A snapshot taken before the POST has no submittedAt: the
     * POST followed it at once, so the queued deadline counts from the prompt's creation rather than never firing.
     */
    void resumed(PromptSnapshot s) {
        submittedAt = s.submittedAt() != null ? s.submittedAt() : s.createdAt();
        startedAt = s.startedAt();
        startedNanos = System.nanoTime();
        lastSignal = Instant.now();
        noDeadlineBefore = null;
    }

    /** Time since the server got the prompt (or since it was created, if it never did). */
    Duration sinceSubmitted() {
        return Duration.between(submittedAt == null ? createdAt : submittedAt, Instant.now());
    }

    /** The time left at this fraction done, from the time run so far; null when not running or not yet telling. */
    Duration eta(PromptPhase phase, double f) {
        if (phase != PromptPhase.RUNNING || f < 0.02 || f >= 1) {
            return null;
        }
        long elapsed = System.nanoTime() - startedNanos;
        return Duration.ofNanos((long) (elapsed * (1 - f) / f));
    }

    /**
     * The earliest instant at which one of the prompt's deadlines can pass in its current phase (connect and submit
     * before acceptance; queued or running, no-signal and total after), or null if none applies.
     */
    Instant nextDeadline(PromptPhase phase, boolean accepted, boolean posted) {
        if (!accepted) {
            return DeadlineRule.earliestBeforeAcceptance(createdAt, posted, deadlines);
        }
        return DeadlineRule.earliest(times(phase), deadlines);
    }

    /**
     * The errors of a deadline passed at {@code now}, or null if none did. Before the server accepted the prompt only
     * 'total' applies here ('connect' and 'submit' are the submitter's). Until the earliest deadline can pass (the
     * common case, every tick for every prompt in flight) no rule is walked and nothing is allocated.
     */
    List<PromptError> deadlinePassed(Instant now, PromptPhase phase, boolean accepted, boolean posted,
                                     NodeRef running) {
        if (noDeadlineBefore != null && now.isBefore(noDeadlineBefore)) {
            return null;
        }
        List<PromptError> errors = timedOut(now, phase, accepted, posted, running);
        if (errors == null) {
            Instant next = nextDeadline(phase, accepted, posted);
            noDeadlineBefore = next == null ? Instant.MAX : next;
        }
        return errors;
    }

    private List<PromptError> timedOut(Instant now, PromptPhase phase, boolean accepted, boolean posted,
                                       NodeRef running) {
        if (!accepted) {
            return DeadlineRule.totalPassedBeforeAcceptance(now, createdAt, deadlines)
                    ? OutcomeRules.timedOutBeforeAccepted(deadlines, posted) : null;
        }
        DeadlineRule rule = DeadlineRule.passed(now, times(phase), deadlines);
        return rule == null ? null : OutcomeRules.timedOut(rule, deadlines, running);
    }

    private DeadlineRule.Times times(PromptPhase phase) {
        return new DeadlineRule.Times(phase, createdAt, submittedAt, startedAt, lastSignal);
    }
}
