package io.comfyrun.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.progress.PromptPhase;
import io.comfyrun.client.tracker.PromptTracker;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Rebuilds prompt state over HTTP where the socket cannot tell: after a (re)connect or a resume, while polling, when
 * an open socket has been silent too long (and decides whether it is deaf), and for queue positions. One
 * {@code GET /queue} per round for all targets, then {@code GET /history/{id}} only for the ones no longer queued.
 *
 * <p>Threads: rounds run on io threads; at most one poll or silence round at a time ({@link #roundRunning}) and at
 * most one queue-position fetch ({@link #queueFetchRunning}); the flags below are set by any thread and cleared by
 * the round that consumes them.
 */
final class Reconciler {

    private static final System.Logger LOG = System.getLogger(Reconciler.class.getName());
    private static final int LOST_AFTER_MISSES = 3;
    /** A prompt whose end the socket told only waits for its history entry: give the server longer to write it. */
    private static final int LOST_AFTER_MISSES_ONCE_ENDED = 20;
    private static final long HISTORY_RETRY_MS = 300;

    /** Why a round runs: each reason has its own rules for what the answer proves. */
    enum Round {
        /** A prompt resumed from a snapshot: its state is whatever the server says. */
        RESUME,
        /** The socket (re)opened: nothing missed while it was down is replayed (§2.2). */
        CONNECTED,
        /** The socket is down, or the prompt's events go to a clientId we no longer hold. */
        POLL,
        /** An open socket heard nothing for a while: the prompt may be fine, or the socket deaf (§2.6). */
        SILENCE,
        /** The end marker came without a terminal event, or after a gap: the history entry decides. */
        END_MARKER,
        /** A cancel found the prompt neither queued nor running. */
        CANCEL
    }

    private final ServerConnection conn;
    private final AtomicBoolean roundRunning = new AtomicBoolean();
    private final AtomicBoolean queueFetchRunning = new AtomicBoolean();
    /** One of OUR prompts was accepted, started or ended: queue positions of the others may have moved. */
    private volatile boolean ourQueueChanged;
    private volatile long lastSilenceRoundNanos = System.nanoTime();
    /** Our own prompts can change many times a second (1,000 in flight): their positions are re-read at most 1 Hz. */
    private static final long QUEUE_FETCH_MIN_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
    private volatile long lastQueueFetchNanos = System.nanoTime() - QUEUE_FETCH_MIN_INTERVAL_NANOS;

    Reconciler(ServerConnection conn) {
        this.conn = conn;
    }

    void ourQueueChanged() {
        ourQueueChanged = true;
    }

    /** Runs a round for these prompts on an io thread. */
    void reconcileLater(Collection<FollowedPrompt> targets, Round why) {
        conn.io(() -> reconcile(targets, why));
    }

    /** Scheduler tick: starts the rounds that are due, never blocking (HTTP goes to the io pool). */
    void tick(boolean polling, boolean open, boolean anyOrphan, boolean anyQueued, boolean anySilent, long nowNanos) {
        if ((polling || anyOrphan) && roundRunning.compareAndSet(false, true)) {
            List<FollowedPrompt> due = new ArrayList<>();
            for (FollowedPrompt p : conn.prompts()) {
                if ((polling || p.tracker().isOrphaned()) && p.pollDue(nowNanos)) {
                    due.add(p);
                }
            }
            if (due.isEmpty()) {
                roundRunning.set(false);
            } else {
                conn.io(() -> pollRound(due), () -> roundRunning.set(false));
            }
        } else if (open && anySilent && nowNanos - lastSilenceRoundNanos >= conn.settings().silenceReconcile().toNanos()
                && roundRunning.compareAndSet(false, true)) {
            // Covers a deaf socket without ever failing a prompt for being quiet.
            lastSilenceRoundNanos = nowNanos;
            conn.io(() -> {
                try {
                    reconcile(conn.prompts(), Round.SILENCE);
                } finally {
                    roundRunning.set(false);
                }
            }, () -> roundRunning.set(false));
        }
        if (open && anyQueued && ourQueueChanged && nowNanos - lastQueueFetchNanos >= QUEUE_FETCH_MIN_INTERVAL_NANOS
                && queueFetchRunning.compareAndSet(false, true)) {
            lastQueueFetchNanos = nowNanos;
            conn.io(this::queuePositions, () -> queueFetchRunning.set(false));
        }
    }

    private void pollRound(List<FollowedPrompt> due) {
        try {
            boolean changed = reconcile(due, Round.POLL);
            long now = System.nanoTime();
            for (FollowedPrompt p : due) {
                p.polled(changed, now);
            }
        } finally {
            roundRunning.set(false);
        }
    }

    /**
     * Queue positions cost one {@code GET /queue} per change of our own prompts (accepted, started, ended), never one
     * per status broadcast: on a busy shared server those come with every other user's action, and each /queue answer
     * carries every queued prompt with its workflow (megabytes). Between fetches, status frames only bound the
     * position ({@link ServerConnection#queueRemaining}).
     */
    private void queuePositions() {
        try {
            ourQueueChanged = false;
            QueueSnapshot q = conn.http().queue();
            for (FollowedPrompt p : conn.prompts()) {
                PromptTracker t = p.tracker();
                if (t.isAccepted() && t.phase() == PromptPhase.QUEUED) {
                    int pos = q.pendingPosition(t.promptId());
                    if (pos > 0) {
                        t.seenQueued(pos, q.total());
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "queue position check on {0} failed: {1}", conn.baseUrl(), e.toString());
        } finally {
            queueFetchRunning.set(false);
        }
    }

    /** One {@code /queue}, then {@code /history/{id}} for the targets no longer queued. Returns whether anything changed. */
    boolean reconcile(Collection<FollowedPrompt> targets, Round why) {
        conn.racePoints.roundStarting(why);
        QueueSnapshot q;
        try {
            q = conn.http().queue();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "reconcile ({0}) with {1} failed: {2}", why, conn.baseUrl(), e.toString());
            return false;
        }
        boolean changed = false;
        boolean deaf = false;
        boolean suspect = false;
        List<FollowedPrompt> retry = new ArrayList<>();
        boolean socketUp = conn.session().isOpen();
        for (FollowedPrompt p : targets) {
            PromptTracker t = p.tracker();
            if (t.isDone() || !t.isAccepted()) {
                continue;
            }
            String id = t.promptId();
            if (q.isRunning(id)) {
                changed |= t.seenRunning(q.total());
                if (why == Round.SILENCE && socketUp && !t.isOrphaned() && t.silentRunningCheck()) {
                    suspect = true;
                }
                continue;
            }
            int pos = q.pendingPosition(id);
            if (pos > 0) {
                changed |= t.seenQueued(pos, q.total());
                continue;
            }
            Optional<JsonNode> h;
            try {
                h = p.http().history(id);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "history check ({0}) of {1} failed: {2}", why, id, e.toString());
                continue;
            }
            if (h.isPresent()) {
                // Evidence of a deaf socket only if the socket should have told us and did not: a prompt that already
                // heard its end (execution_success, the end marker) and only waits for its history entry proves nothing.
                boolean expectedEvents = socketUp && !t.isOrphaned() && t.phase() == PromptPhase.RUNNING && !t.endHeard();
                t.finishFromHistory(h.get());
                changed = true;
                deaf |= expectedEvents && why == Round.SILENCE;
            } else if (t.historyMiss() >= (t.endHeard() ? LOST_AFTER_MISSES_ONCE_ENDED : LOST_AFTER_MISSES)) {
                t.fail(Outcome.LOST, List.of(new PromptError("lost", null, null, null, null,
                        "prompt " + id + " is neither queued, running nor in the history of " + conn.baseUrl()
                                + ": the server was probably restarted or dropped it (history is in memory only)", "")));
                changed = true;
            } else {
                retry.add(p); // history is written a moment after the terminal event: ask again shortly (§9.4)
            }
        }
        if (!retry.isEmpty()) {
            conn.schedule(() -> reconcile(retry, why), HISTORY_RETRY_MS);
        }
        if (deaf) {
            conn.session().rotateClientId("a prompt finished without its events reaching the open socket");
        } else if (suspect) {
            if (conn.session().unprovenResubscribe()) {
                conn.session().rotateClientId("the re-opened socket heard nothing either");
            } else {
                conn.session().resubscribe();
            }
        }
        return changed;
    }
}
