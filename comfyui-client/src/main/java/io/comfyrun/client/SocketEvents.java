package io.comfyrun.client;

import io.comfyrun.client.progress.PromptPhase;
import io.comfyrun.client.tracker.PromptTracker;
import io.comfyrun.client.tracker.ServerMessage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the socket's frames and state changes mean for our prompts. Text frames go to their prompt's tracker (a
 * status frame only updates what we know of the server's load); an open, a drop or a clientId rotation is passed on
 * to every prompt. For servers that choose prompt ids themselves (older than 0.3.45) the events that beat their POST
 * answer are held here and replayed, in order, when the submitter adopts the id.
 *
 * <p>Threads: frames arrive on OkHttp's reader thread, one at a time. While a server-chosen-id POST is out
 * ({@link #serverIdPosts} &gt; 0, changed by io threads only), every delivery and every adoption runs under
 * {@link #early}'s lock, so a buffered event is never overtaken by a later one. {@link #queueRemaining} is written
 * by the reader thread only.
 */
final class SocketEvents {

    private static final System.Logger LOG = System.getLogger(SocketEvents.class.getName());

    private final ServerConnection conn;
    private final Map<String, List<ServerMessage>> early = new HashMap<>();
    private final AtomicInteger serverIdPosts = new AtomicInteger();
    private volatile int queueRemaining = -1;

    SocketEvents(ServerConnection conn) {
        this.conn = conn;
    }

    /** The last {@code queue_remaining} a status frame reported, or -1. */
    int queueRemaining() {
        return queueRemaining;
    }

    // ------------------------------------------------------------------ frames (reader thread)

    void dispatch(String text) {
        ServerMessage m = ServerMessage.parse(text);
        if (m instanceof ServerMessage.Other o && ("invalid".equals(o.type()) || text.length() > SocketSession.LARGE_FRAME_CHARS)) {
            // Ignored, never fatal; the log names what was dropped so a misbehaving server or proxy can be found.
            LOG.log(System.Logger.Level.DEBUG, "ignored {0} WebSocket text frame from {1} ({2} chars): {3}",
                    text.length() > SocketSession.LARGE_FRAME_CHARS ? "an oversized " + ("invalid".equals(o.type())
                            ? "(not parsed: beyond the JSON reader's limits)" : "'" + o.type() + "'")
                            : "a malformed (not a ComfyUI JSON message)",
                    conn.baseUrl(), text.length(), text.substring(0, Math.min(80, text.length())));
        }
        if (m instanceof ServerMessage.Status s) {
            // Any user's activity: no request here, only what the frame itself says (issue 13, cost on busy servers).
            queueRemaining = s.queueRemaining();
            for (FollowedPrompt p : conn.prompts()) {
                p.tracker().queueAtMost(s.queueRemaining());
            }
            return;
        }
        String pid = m.promptId();
        if (pid != null) {
            conn.racePoints.beforeDelivery(m);
            deliver(pid, m); // another client's prompt is never touched (§9.5)
        }
    }

    private void deliver(String promptId, ServerMessage m) {
        if (serverIdPosts.get() == 0) {
            FollowedPrompt p = conn.prompt(promptId);
            if (p != null) {
                handle(p, m);
            }
            return;
        }
        synchronized (early) {
            FollowedPrompt p = conn.prompt(promptId);
            if (p != null) {
                handle(p, m);
            } else if (early.size() < 64) {
                List<ServerMessage> list = early.computeIfAbsent(promptId, k -> new ArrayList<>());
                if (list.size() < 2000) {
                    list.add(m);
                }
            }
        }
    }

    private void handle(FollowedPrompt p, ServerMessage m) {
        PromptTracker t = p.tracker();
        PromptPhase before = t.phase();
        if (t.onMessage(m) == PromptTracker.Next.NEEDS_HISTORY) {
            conn.reconciler().reconcileLater(List.of(p), Reconciler.Round.END_MARKER);
        }
        if (before != t.phase()) {
            conn.reconciler().ourQueueChanged(); // one of ours started or ended: the others' positions moved
        }
    }

    void previewOf(String promptId) {
        FollowedPrompt p = conn.prompt(promptId);
        if (p != null) {
            p.tracker().touch();
        }
    }

    // ------------------------------------------------------------------ server-chosen ids (io threads)

    void serverIdPostStarted() {
        serverIdPosts.incrementAndGet();
    }

    void serverIdPostEnded() {
        serverIdPosts.decrementAndGet();
    }

    /** The POST answer named the server's id: rename the prompt and replay what came for it, under the delivery lock. */
    void adopt(FollowedPrompt p, String serverId) {
        conn.racePoints.adopting(p, false);
        synchronized (early) {
            conn.rekey(p, serverId);
            conn.racePoints.adopting(p, true);
            List<ServerMessage> buffered = early.remove(serverId);
            if (serverIdPosts.get() <= 1) {
                early.clear();
            }
            if (buffered != null) {
                buffered.forEach(m -> handle(p, m));
            }
        }
    }

    // ------------------------------------------------------------------ socket state (reader, io, scheduler threads)

    /** The socket opened; {@code downFor} is how long it was down, or null for the first open. */
    void opened(Duration downFor) {
        List<FollowedPrompt> missed = new ArrayList<>();
        for (FollowedPrompt p : conn.prompts()) {
            PromptTracker t = p.tracker();
            if (downFor != null) {
                t.connectionRestored(downFor);
                if (!t.isOrphaned()) {
                    t.trackedBy(TrackingMethod.WEBSOCKET);
                }
            }
            // Nothing missed while away is replayed (§2.2): rebuild state over HTTP. Only prompts already posted can
            // have missed anything; one still waiting for this socket posts with it and hears every event.
            if (t.hasPosted()) {
                missed.add(p);
            }
        }
        if (!missed.isEmpty()) {
            conn.reconciler().reconcileLater(missed, Reconciler.Round.CONNECTED);
        }
    }

    void down(String reason, boolean wasOpen) {
        for (FollowedPrompt p : conn.prompts()) {
            p.pollNow();
            if (wasOpen) {
                p.tracker().connectionLost(reason);
            }
            p.tracker().trackedBy(TrackingMethod.POLLING);
        }
    }

    /** The socket is being replaced on purpose: events in between may be missed. */
    void replacing() {
        conn.prompts().forEach(p -> p.tracker().missedEvents());
    }

    /** The prompts posted with an older clientId (POST answered or still out) are followed by polling now. */
    void clientIdRotated(String fresh) {
        for (FollowedPrompt p : conn.prompts()) {
            if (p.tracker().hasPosted() && !fresh.equals(p.tracker().clientId())) {
                p.tracker().orphan();
            }
        }
    }
}
