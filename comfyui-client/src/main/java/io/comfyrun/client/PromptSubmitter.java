package io.comfyrun.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.tracker.PromptTracker;
import io.comfyrun.client.tracker.ResultParts;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Gets one prompt onto the server: waits for the connection to be ready, POSTs it (the one place the body is built),
 * retries an ambiguous failure only after {@code /queue} and {@code /history} showed the earlier attempt did not get
 * in, and adopts the server's prompt id on servers that choose it themselves (older than 0.3.45).
 *
 * <p>Threads: submissions run on io threads, one step at a time per prompt (each step schedules the next); the
 * only state here is the server's version, itself safe for any thread.
 */
final class PromptSubmitter {

    private static final System.Logger LOG = System.getLogger(PromptSubmitter.class.getName());

    private final ServerConnection conn;
    private final ServerVersion version;

    PromptSubmitter(ServerConnection conn, ServerVersion version) {
        this.conn = conn;
        this.version = version;
    }

    /**
     * The {@code POST /prompt} body: the request's fields ({@link PromptRequest#bodyFields()}: the graph as
     * {@code prompt} and, when set, {@code extra_data}), our clientId, and our own prompt id unless the server is known
     * to be older than 0.3.45 (a server of unknown version gets it too: its answer tells whether it honours it).
     */
    static ObjectNode body(ObjectNode fields, String clientId, String promptId) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.setAll(fields);
        body.put("client_id", clientId);
        if (promptId != null) {
            body.put("prompt_id", promptId);
        }
        return body;
    }

    void submit(FollowedPrompt p, ObjectNode fields) {
        conn.io(() -> connectThenPost(p, fields, 0));
    }

    private void connectThenPost(FollowedPrompt p, ObjectNode fields, int attempt) {
        PromptTracker t = p.tracker();
        if (t.isDone()) {
            return;
        }
        Instant connectBy = Deadlines.after(t.createdAt(), t.deadlines().connect()); // 'total': the maintenance tick
        CompletableFuture<Void> r = conn.session().ensureReady();
        if (r.isDone() && !r.isCompletedExceptionally()) {
            post(p, fields, 0, 0, 0);
            return;
        }
        long waitMs = connectBy == null ? TimeUnit.MINUTES.toMillis(10)
                : Math.max(1, Duration.between(Instant.now(), connectBy).toMillis());
        conn.within(r, waitMs).whenComplete((v, ex) -> {
            if (t.isDone()) {
                return; // cancelled or timed out meanwhile
            }
            if (ex == null) {
                conn.io(() -> post(p, fields, 0, 0, 0));
            } else if (ServerConnection.credentialsRefused(ex) != null) {
                conn.unreachable(t, conn.credentialsMessage(ServerConnection.credentialsRefused(ex)));
            } else if (connectBy != null && !Instant.now().isBefore(connectBy)) {
                String last = conn.session().lastConnectError();
                conn.unreachable(t, "could not connect within " + ServerConnection.human(t.deadlines().connect())
                        + " (deadline 'connect'): " + (last != null ? last : ServerConnection.describe(ex)));
            } else {
                conn.schedule(() -> connectThenPost(p, fields, attempt + 1),
                        Backoff.clipToDeadline(Backoff.retryMillis(attempt, 2000), Instant.now(), connectBy));
            }
        });
    }

    /** Pause between the two looks that must both miss before a prompt is posted again (protocol §9.4). */
    private static final long ABSENT_RECHECK_MS = 300;

    /**
     * POSTs the prompt. After an ambiguous failure (connection error, 5xx) the next attempt first asks /queue and
     * /history for our prompt_id, so a prompt is never submitted twice and a cancel never leaves a copy running. It
     * must miss twice, {@link #ABSENT_RECHECK_MS} apart: a POST cut off on the wire may still be handled a moment
     * later, and a prompt that just ended is in neither list until its history entry is written.
     * {@code attempt} counts every retry (it sets the back-off); {@code serverErrors} only the 5xx/408/429 answers,
     * three of which end the prompt REJECTED.
     */
    private void post(FollowedPrompt p, ObjectNode fields, int attempt, int absentChecks, int serverErrors) {
        PromptTracker t = p.tracker();
        if (t.isDone()) {
            return;
        }
        Instant submitBy = Deadlines.after(t.createdAt(), t.deadlines().submit());
        boolean clientIds = version.clientPromptIds() == ServerVersion.Support.YES;
        if (attempt > 0 && t.isAccepted()) {
            // Its events came over the socket: the server has (or had) it, whatever became of the lost answer. A
            // restart may have wiped it from /queue and /history since; posting it again would run it twice.
            answered(p, List.of());
            if (t.cancelRequested()) {
                conn.canceller().cancelOnServer(p);
            }
            return;
        }
        if (attempt > 0 && clientIds) {
            // Settle the earlier attempt first, cancel or not: it may be queued or running on the server.
            try {
                if (foundOnServer(p)) {
                    answered(p, List.of());
                    if (t.cancelRequested()) {
                        conn.canceller().cancelOnServer(p);
                    }
                    return;
                }
            } catch (IOException e) {
                retryPost(p, fields, attempt, serverErrors, submitBy, "checking whether the prompt arrived: " + e);
                return;
            }
            if (absentChecks == 0) {
                conn.schedule(() -> post(p, fields, attempt, 1, serverErrors), ABSENT_RECHECK_MS);
                return;
            }
            LOG.log(System.Logger.Level.DEBUG, "prompt {0} is on neither /queue nor /history of {1} (twice): posting it"
                    + " again", t.promptId(), conn.baseUrl());
        }
        if (t.cancelRequested()) {
            // Nothing of ours is on the server (never posted, or the check above found no copy).
            t.fail(Outcome.INTERRUPTED, List.of(new PromptError("cancelled", null, null, null, null,
                    "prompt cancelled before the server accepted it", "")));
            return;
        }
        String cid = conn.session().clientId();
        if (!t.postingWith(cid, conn.currentMethod())) {
            return; // ended (cancelled, timed out) just now: never post
        }
        if (!clientIds) {
            conn.events().serverIdPostStarted(); // its events may beat the answer: hold them (protocol §9.6)
        }
        PostPromptResponse resp;
        try {
            boolean sendId = version.clientPromptIds() != ServerVersion.Support.NO;
            conn.racePoints.aboutToPost(p);
            resp = p.http().postPrompt(body(fields, cid, sendId ? t.promptId() : null));
        } catch (IOException e) {
            if (!clientIds) {
                conn.events().serverIdPostEnded();
                if (!(e instanceof ConnectException)) {
                    // Without our own prompt_id we cannot check whether it arrived: never risk a second copy.
                    conn.unreachable(t, "POST /prompt failed and this server (older than 0.3.45, or of unknown"
                            + " version) cannot be checked for a duplicate, so it is not retried: " + e);
                    return;
                }
            }
            retryPost(p, fields, attempt, serverErrors, submitBy, "POST /prompt: " + e);
            return;
        }
        try {
            answer(p, fields, attempt, serverErrors, submitBy, resp, clientIds);
        } finally {
            if (!clientIds) {
                conn.events().serverIdPostEnded();
            }
        }
    }

    private void answer(FollowedPrompt p, ObjectNode fields, int attempt, int serverErrors, Instant submitBy,
                        PostPromptResponse resp, boolean clientIds) {
        PromptTracker t = p.tracker();
        int status = resp.status();
        if (status == 200) {
            String serverId = Json.text(resp.body(), "prompt_id");
            if (serverId != null && !isUuid(serverId)) { // request paths are built from it: never adopt it
                conn.unreachable(t, "answered POST /prompt with prompt_id '" + printable(serverId) + "', which is not"
                        + " a UUID; the prompt is not followed (is this a ComfyUI server, or a proxy rewriting its answers?)");
                return;
            }
            if (serverId != null && serverId.equals(t.promptId())) {
                version.echoedClientPromptId();
            } else if (serverId != null) {
                conn.events().adopt(p, serverId);
            }
            // 200 with node_errors: the server runs only the valid outputs (protocol §9.3). The tracker follows that
            // part to its end and reports the prompt REJECTED with the refused nodes, whatever finished first.
            List<PromptError> refused = resp.body().path("node_errors").size() > 0
                    ? ResultParts.validationErrors(resp.body(), t::node) : List.of();
            answered(p, refused);
            if (t.cancelRequested()) {
                conn.canceller().cancelOnServer(p);
            }
            return;
        }
        if (status == 400) {
            List<PromptError> errors = ResultParts.validationErrors(resp.body(), t::node);
            if (errors.isEmpty()) {
                errors = List.of(new PromptError("invalid_prompt", null, null, null, null,
                        "the server refused the workflow (HTTP 400): " + ServerConnection.excerpt(resp.rawBody()), ""));
            }
            t.fail(Outcome.REJECTED, errors);
        } else if (status >= 500 || status == 408 || status == 429) {
            // Only answers count here: a reset, a timeout or a failed duplicate check in between is not the server
            // refusing the prompt (those are bounded by the 'submit' deadline).
            if (serverErrors >= 2) {
                t.fail(Outcome.REJECTED, List.of(new PromptError("server_error", null, null, null, null,
                        "the server answered HTTP " + status + " to POST /prompt three times: "
                                + ServerConnection.excerpt(resp.rawBody()),
                        "ComfyUI answers 500 to malformed workflows, e.g. a UI-format export: export it with Save (API)")));
            } else {
                retryPost(p, fields, attempt, serverErrors + 1, submitBy, "POST /prompt answered HTTP " + status);
            }
        } else {
            ComfyHttpException e = new ComfyHttpException(conn.baseUrl(), "POST", "/prompt", status, resp.rawBody());
            conn.unreachable(t, e.getMessage());
        }
    }

    private void retryPost(FollowedPrompt p, ObjectNode fields, int attempt, int serverErrors, Instant submitBy,
                           String error) {
        PromptTracker t = p.tracker();
        long delay = Backoff.retryMillis(attempt, 2000);
        if (submitBy != null && Instant.now().plusMillis(delay).isAfter(submitBy)) {
            // The server answered the health check, so this is a deadline, not an unreachable server.
            t.fail(Outcome.TIMED_OUT, List.of(new PromptError("timeout", null, null, null, null,
                    "prompt could not be submitted to " + conn.baseUrl() + " within "
                            + ServerConnection.human(t.deadlines().submit()) + " (deadline 'submit'); last error: " + error,
                    "")));
            if (version.clientPromptIds() == ServerVersion.Support.YES) {
                conn.io(() -> conn.canceller().cancelOnServer(p)); // an ambiguous failure may have let one copy in
            }
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "retrying submission of {0} to {1} in {2} ms after: {3}", t.promptId(),
                conn.baseUrl(), delay, error);
        conn.schedule(() -> post(p, fields, attempt + 1, 0, serverErrors), delay);
    }

    /** The server has the prompt (its answer, or a check after an ambiguous failure). */
    private void answered(FollowedPrompt p, List<PromptError> refusedNodes) {
        PromptTracker t = p.tracker();
        t.answered(Instant.now(), refusedNodes);
        if (!t.clientId().equals(conn.session().clientId())) {
            t.orphan(); // posted with a clientId rotated away meanwhile: its events go nowhere we listen
        }
        conn.reconciler().ourQueueChanged();
    }

    private boolean foundOnServer(FollowedPrompt p) throws IOException {
        String id = p.tracker().promptId();
        return conn.http().queue().contains(id) || p.http().history(id).isPresent();
    }

    private static boolean isUuid(String id) {
        try {
            return id.length() == 36 && UUID.fromString(id).toString().equalsIgnoreCase(id);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String printable(String s) {
        String shown = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return shown.codePoints().mapToObj(c -> Character.isISOControl(c) ? String.format("\\u%04x", c)
                : Character.toString(c)).collect(java.util.stream.Collectors.joining());
    }
}
