package io.comfyrun.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.HttpClients;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.progress.PromptPhase;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.tracker.PromptTracker;
import io.comfyrun.client.tracker.ResultParts;
import io.comfyrun.client.tracker.ServerMessage;
import io.comfyrun.client.tracker.WorkflowNodes;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shared connection to one ComfyUI server: one WebSocket (clientId stable unless the socket turns deaf),
 * the prompts in flight on it, the reconnect loop, the polling fallback and the reconciliation over HTTP.
 *
 * <p>Threads: WebSocket frames are handled on OkHttp's reader thread (short, non-blocking state updates);
 * blocking HTTP runs on the client's {@code comfyrun-io} pool; timers on {@code comfyrun-scheduler}; listener
 * callbacks on {@code comfyrun-listener}.
 */
public final class ServerConnection implements Closeable {

    private static final System.Logger LOG = System.getLogger(ServerConnection.class.getName());
    private static final String FEATURE_FLAGS = "{\"type\": \"feature_flags\", \"data\": {\"supports_preview_metadata\": true}}";
    private static final int LOST_AFTER_MISSES = 3;
    /** Frames above this are named in the log when ignored (ComfyUI's own messages are a few KiB). */
    private static final int LARGE_FRAME_CHARS = 1 << 20;
    private static final long HISTORY_RETRY_MS = 300;
    /** How long after the upgrade a prompt waits for the server's first frame before posting anyway. */
    private static final long FIRST_FRAME_GRACE_MS = 2_000;
    private static final long QUEUE_FETCH_MIN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ComfyClient client;
    private final ServerConfig config;
    private final ComfyHttpApi http;
    private final OkHttpClient wsHttp;
    private final Map<String, PromptTracker> trackers = new ConcurrentHashMap<>();
    private final Object lock = new Object();

    // Guarded by lock.
    private ConnectionState state = ConnectionState.IDLE;
    private String clientId;
    private WebSocket socket;
    private int generation;
    private CompletableFuture<Void> ready;
    private int reconnectAttempt;
    private long downSinceNanos = -1;
    private boolean reconnectScheduled;
    private ScheduledFuture<?> maintenance;

    private volatile String serverVersion;
    /** Why the last health check failed (a TLS trust error, a timeout...), for the message of an unreachable prompt. */
    private volatile String lastConnectError;
    private volatile boolean jobsApi = true;
    /** queue_remaining of the last status frame, -1 before the first; written by the socket reader only. */
    private volatile int queueRemaining = -1;

    private final AtomicBoolean pollRunning = new AtomicBoolean();
    private final AtomicBoolean queueFetchRunning = new AtomicBoolean();
    private volatile boolean queueFetchWanted;
    private volatile long lastQueueFetchNanos = System.nanoTime() - QUEUE_FETCH_MIN_INTERVAL_NANOS;
    private volatile long nextPollNanos = System.nanoTime();
    private volatile long pollIntervalNanos;
    private volatile long lastSilenceReconcileNanos = System.nanoTime();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong deafRotations = new AtomicLong();
    private final AtomicLong resubscribes = new AtomicLong();
    /** A re-subscription opened a socket that has not received a single frame yet. */
    private volatile boolean unprovenResubscribe;

    // Servers older than 0.3.45 choose the prompt id: events may precede the POST answer (protocol §9.6).
    private final AtomicInteger serverIdPosts = new AtomicInteger();
    private final Map<String, List<ServerMessage>> early = new HashMap<>();

    ServerConnection(ComfyClient client, ServerConfig config) {
        this.client = client;
        this.config = config;
        this.clientId = config.clientId() != null ? config.clientId() : newClientId();
        this.http = client.http(config);
        this.wsHttp = HttpClients.forServer(client.baseHttp(), config).newBuilder()
                // Bounds the upgrade handshake only: OkHttp drops the call timeout and the read timeout once the
                // socket is upgraded, so a long silent node never trips it. Liveness is ping/pong.
                .callTimeout(config.timeouts().connect().multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS)
                .build();
        this.pollIntervalNanos = config.pollMin().toNanos();
    }

    // ------------------------------------------------------------------ inspection

    public URI baseUrl() {
        return config.baseUrl();
    }

    public ServerConfig config() {
        return config;
    }

    /** The clientId the socket uses now (changes only when a deaf socket forced a fresh one, §2.6). */
    public String clientId() {
        synchronized (lock) {
            return clientId;
        }
    }

    public ConnectionState state() {
        synchronized (lock) {
            return state;
        }
    }

    /** Prompts currently followed on this connection. */
    public int inFlight() {
        return trackers.size();
    }

    /**
     * The server's {@code queue_remaining} (running + pending, every client's) from the last {@code status} frame on
     * the shared socket, or -1 before the first one. No request is made: routing reads what the socket reported.
     */
    public int queueRemaining() {
        return queueRemaining;
    }

    /** {@code system.comfyui_version} as reported by the health check, once known. */
    public Optional<String> serverVersion() {
        return Optional.ofNullable(serverVersion);
    }

    /** How many times the WebSocket was re-opened after a loss. */
    public long reconnects() {
        return reconnects.get();
    }

    /** How many times a deaf socket made the connection switch to a fresh clientId. */
    public long deafRotations() {
        return deafRotations.get();
    }

    /**
     * How many times the socket was closed cleanly and opened again with the same clientId because a running prompt
     * stayed silent on it (the cure for a socket made deaf by §2.6; harmless for a node that is merely quiet).
     */
    public long resubscribes() {
        return resubscribes.get();
    }

    /** How prompts submitted now would start being tracked. */
    public TrackingMethod currentMethod() {
        ConnectionState s = state();
        return config.mode() == TrackingMode.AUTO && s != ConnectionState.POLLING
                ? TrackingMethod.WEBSOCKET : TrackingMethod.POLLING;
    }

    @Override
    public String toString() {
        return "ServerConnection[" + config.baseUrl() + ", clientId=" + clientId() + ", " + state() + ", inFlight="
                + inFlight() + "]";
    }

    // ------------------------------------------------------------------ submit and resume

    PromptHandle submit(PromptRequest request, ProgressListener listener) {
        String promptId = UUID.randomUUID().toString();
        ensureReady();
        PromptTracker t = new PromptTracker(promptId, clientId(), config.baseUrl(), WorkflowNodes.of(request.workflow()),
                request.deadlines(), Instant.now(), currentMethod(), listener, client.listeners(), this::cancel);
        t.onDone(this::finished);
        trackers.put(promptId, t);
        startMaintenance();
        if (request.beforeSubmit() != null) {
            try {
                request.beforeSubmit().accept(t.snapshot());
            } catch (RuntimeException e) {
                trackers.remove(promptId);
                throw e;
            }
        }
        ObjectNode workflow = request.bodyFields(); // "prompt" and, when set, "extra_data"
        io(() -> connectThenPost(t, workflow, 0));
        return t;
    }

    PromptHandle resume(PromptSnapshot snapshot, ProgressListener listener) {
        PromptTracker t = new PromptTracker(snapshot.promptId(), snapshot.clientId(), config.baseUrl(),
                WorkflowNodes.fromSnapshot(snapshot.nodes()), snapshot.deadlines(), snapshot.createdAt(), currentMethod(), listener,
                client.listeners(), this::cancel);
        t.restore(snapshot);
        t.onDone(this::finished);
        trackers.put(snapshot.promptId(), t);
        if (snapshot.clientId() != null && !snapshot.clientId().equals(clientId())) {
            t.orphan(); // its events go to a socket we do not have: follow it by polling
        }
        startMaintenance();
        ensureReady().whenComplete((v, ex) -> io(() -> reconcile(List.of(t), "resume")));
        return t;
    }

    private void connectThenPost(PromptTracker t, ObjectNode workflow, int attempt) {
        if (t.isDone()) {
            return;
        }
        Instant connectBy = Deadlines.after(t.createdAt(), t.deadlines().connect());
        CompletableFuture<Void> r = ensureReady();
        if (r.isDone() && !r.isCompletedExceptionally()) {
            post(t, workflow, 0, null);
            return;
        }
        long waitMs = connectBy == null ? TimeUnit.MINUTES.toMillis(10)
                : Math.max(1, Duration.between(Instant.now(), connectBy).toMillis());
        within(r, waitMs).whenComplete((v, ex) -> {
            if (ex == null) {
                io(() -> post(t, workflow, 0, null));
            } else if (credentialsRefused(ex) != null) {
                unreachable(t, credentialsMessage(credentialsRefused(ex)));
            } else if (connectBy != null && !Instant.now().isBefore(connectBy)) {
                String last = lastConnectError;
                unreachable(t, "could not connect within " + human(t.deadlines().connect()) + " (deadline 'connect'): "
                        + (last != null ? last : describe(ex)));
            } else {
                schedule(() -> connectThenPost(t, workflow, attempt + 1),
                        clipToDeadline(backoffMillis(attempt, 2000), Instant.now(), connectBy));
            }
        });
    }

    /**
     * POSTs the prompt. After an ambiguous failure (connection error, 5xx) the next attempt first checks /queue and
     * /history for our prompt_id, so a prompt is never submitted twice.
     */
    private void post(PromptTracker t, ObjectNode workflow, int attempt, String lastError) {
        if (t.isDone()) {
            return;
        }
        if (t.cancelRequested()) {
            t.fail(Outcome.INTERRUPTED, List.of(new PromptError("cancelled", null, null, null, null,
                    "prompt cancelled before it was submitted", "")));
            finished(t);
            return;
        }
        Instant submitBy = Deadlines.after(t.createdAt(), t.deadlines().submit());
        boolean clientIds = supportsClientPromptId();
        if (attempt > 0 && clientIds) {
            try {
                if (foundOnServer(t.promptId())) {
                    accepted(t);
                    return;
                }
            } catch (IOException e) {
                retryPost(t, workflow, attempt, submitBy, "checking whether the prompt arrived: " + e);
                return;
            }
        }
        String cid = clientId();
        t.postingWith(cid, currentMethod());
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.setAll(workflow); // PromptRequest.bodyFields(): "prompt" and, when set, "extra_data"
        body.put("client_id", cid);
        if (clientIds) {
            body.put("prompt_id", t.promptId());
        } else {
            serverIdPosts.incrementAndGet();
        }
        PostPromptResponse resp;
        try {
            resp = http.postPrompt(body);
        } catch (IOException e) {
            if (!clientIds) {
                serverIdPosts.decrementAndGet();
                if (!(e instanceof ConnectException)) {
                    // Without our own prompt_id we cannot check whether it arrived: never risk a second copy.
                    unreachable(t, "POST /prompt failed and this server (older than 0.3.45) cannot be checked for"
                            + " a duplicate, so it is not retried: " + e);
                    return;
                }
            }
            retryPost(t, workflow, attempt, submitBy, "POST /prompt: " + e);
            return;
        }
        int status = resp.status();
        if (status == 200) {
            String serverId = Json.text(resp.body(), "prompt_id");
            if (serverId != null && !isUuid(serverId)) { // request paths are built from it: never adopt it
                if (!clientIds) {
                    serverIdPosts.decrementAndGet();
                }
                unreachable(t, "answered POST /prompt with prompt_id '" + printable(serverId) + "', which is not a UUID;"
                        + " the prompt is not followed (is this a ComfyUI server, or a proxy rewriting its answers?)");
                return;
            }
            if (!clientIds || serverId != null && !serverId.equals(t.promptId())) {
                adoptServerId(t, serverId);
            }
            if (!clientIds) {
                serverIdPosts.decrementAndGet();
            }
            boolean partial = resp.body().path("node_errors").size() > 0;
            accepted(t);
            if (partial) {
                // 200 with node_errors: some outputs were refused. Report it as rejected and do not leave the
                // valid remainder running unattended on someone's GPU.
                if (t.fail(Outcome.REJECTED, ResultParts.validationErrors(resp.body(), t::node))) {
                    finished(t);
                }
                io(() -> cancelOnServer(t));
            } else if (t.cancelRequested()) {
                io(() -> cancelOnServer(t));
            }
            return;
        }
        if (!clientIds) {
            serverIdPosts.decrementAndGet();
        }
        if (status == 400) {
            List<PromptError> errors = ResultParts.validationErrors(resp.body(), t::node);
            if (errors.isEmpty()) {
                errors = List.of(new PromptError("invalid_prompt", null, null, null, null,
                        "the server refused the workflow (HTTP 400): " + excerpt(resp.rawBody()), ""));
            }
            t.fail(Outcome.REJECTED, errors);
            finished(t);
        } else if (status >= 500 || status == 408 || status == 429) {
            if (attempt >= 2) {
                t.fail(Outcome.REJECTED, List.of(new PromptError("server_error", null, null, null, null,
                        "the server answered HTTP " + status + " to POST /prompt three times: " + excerpt(resp.rawBody()),
                        "ComfyUI answers 500 to malformed workflows, e.g. a UI-format export: export it with Save (API)")));
                finished(t);
            } else {
                retryPost(t, workflow, attempt, submitBy, "POST /prompt answered HTTP " + status);
            }
        } else {
            ComfyHttpException e = new ComfyHttpException(config.baseUrl(), "POST", "/prompt", status, resp.rawBody());
            unreachable(t, e.getMessage());
        }
    }

    private void retryPost(PromptTracker t, ObjectNode workflow, int attempt, Instant submitBy, String error) {
        long delay = backoffMillis(attempt, 2000);
        if (submitBy != null && Instant.now().plusMillis(delay).isAfter(submitBy)) {
            // The server answered the health check, so this is a deadline, not an unreachable server.
            if (t.fail(Outcome.TIMED_OUT, List.of(new PromptError("timeout", null, null, null, null,
                    "prompt could not be submitted to " + config.baseUrl() + " within " + human(t.deadlines().submit())
                            + " (deadline 'submit'); last error: " + error, "")))) {
                finished(t);
            }
            if (supportsClientPromptId()) {
                io(() -> cancelOnServer(t)); // an ambiguous failure may have let one copy in: do not leave it running
            }
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "retrying submission of {0} to {1} in {2} ms after: {3}", t.promptId(),
                config.baseUrl(), delay, error);
        schedule(() -> post(t, workflow, attempt + 1, error), delay);
    }

    private void accepted(PromptTracker t) {
        t.accepted(Instant.now());
        queueFetchWanted = true;
    }

    private boolean foundOnServer(String promptId) throws IOException {
        return http.queue().contains(promptId) || http.history(promptId).isPresent();
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

    private void adoptServerId(PromptTracker t, String serverId) {
        if (serverId == null) {
            return;
        }
        List<ServerMessage> buffered;
        synchronized (early) {
            trackers.remove(t.promptId(), t);
            t.renamed(serverId);
            trackers.put(serverId, t);
            buffered = early.remove(serverId);
            if (serverIdPosts.get() <= 1) {
                early.clear();
            }
        }
        if (buffered != null) {
            buffered.forEach(m -> handle(t, m));
        }
    }

    /** The 401 or 403 behind a failure, or null when the failure is something waiting could cure. */
    private static ComfyHttpException credentialsRefused(Throwable ex) {
        for (Throwable c = ex; c != null; c = c.getCause()) {
            if (c instanceof ComfyHttpException h && (h.status() == 401 || h.status() == 403)) {
                return h;
            }
        }
        return null;
    }

    /** Names the route, the status and the fix; never the body (a proxy may echo headers) nor the credential. */
    private String credentialsMessage(ComfyHttpException refused) {
        String what = refused.status() == 401 ? "HTTP 401 (unauthorized)" : "HTTP 403 (forbidden)";
        return "the health check GET " + refused.route() + " was answered " + what + ", so the credentials are refused and retrying would not"
                + " help; check the credentials configured for " + config.baseUrl()
                + (refused.status() == 403 ? " (and any proxy or origin check in front of ComfyUI)" : "");
    }

    private void unreachable(PromptTracker t, String message) {
        if (t.fail(Outcome.UNREACHABLE, List.of(new PromptError("unreachable", null, null, null, null,
                "ComfyUI server " + config.baseUrl() + ": " + message, "")))) {
            finished(t);
        }
    }

    // ------------------------------------------------------------------ transport

    private CompletableFuture<Void> ensureReady() {
        CompletableFuture<Void> mine;
        synchronized (lock) {
            if (state == ConnectionState.CLOSED) {
                return CompletableFuture.failedFuture(new IllegalStateException("connection closed"));
            }
            if (ready != null && !ready.isCompletedExceptionally()) {
                return ready;
            }
            mine = new CompletableFuture<>();
            ready = mine;
            if (state == ConnectionState.IDLE) {
                state = ConnectionState.CONNECTING;
            }
        }
        io(() -> start(mine));
        return mine;
    }

    /** Health check (also learns the version), then the WebSocket unless POLL_ONLY. */
    private void start(CompletableFuture<Void> mine) {
        try {
            JsonNode stats = http.systemStats();
            lastConnectError = null;
            serverVersion = Json.text(stats.path("system"), "comfyui_version");
        } catch (IOException e) {
            lastConnectError = "GET /system_stats failed: " + e;
            LOG.log(System.Logger.Level.DEBUG, "health check of {0} failed: {1}", config.baseUrl(), e.toString());
            synchronized (lock) {
                if (state == ConnectionState.CONNECTING) {
                    state = ConnectionState.POLLING;
                }
            }
            mine.completeExceptionally(e);
            ComfyHttpException refused = credentialsRefused(e);
            if (refused != null) {
                // Refused credentials do not become valid by waiting: end every prompt that needs this server now
                // instead of retrying until the connect deadline. A later submission checks again.
                String message = credentialsMessage(refused);
                for (PromptTracker t : trackers.values()) {
                    unreachable(t, message);
                }
                return;
            }
            scheduleReconnect(); // keeps trying while prompts (e.g. resumed ones) need the server
            return;
        }
        if (config.mode() == TrackingMode.POLL_ONLY) {
            synchronized (lock) {
                if (state != ConnectionState.CLOSED) {
                    state = ConnectionState.POLLING;
                }
            }
            mine.complete(null);
            return;
        }
        openSocket(mine);
    }

    private void openSocket(CompletableFuture<Void> readyWhenDecided) {
        WebSocket old;
        int gen;
        String cid;
        synchronized (lock) {
            if (state == ConnectionState.CLOSED) {
                return;
            }
            gen = ++generation;
            old = socket;
            socket = null;
            if (state != ConnectionState.POLLING) {
                state = ConnectionState.CONNECTING;
            }
            cid = clientId;
        }
        if (old != null) {
            // Close the old socket BEFORE opening the new one: the same-clientId bug (§2.6) makes the new socket
            // deaf when the server still holds the old one.
            old.cancel();
        }
        HttpUrl url = HttpUrl.get(config.webSocketUrl().toString().replaceFirst("^ws", "http"))
                .newBuilder().addQueryParameter("clientId", cid).build();
        Request req = new Request.Builder().url(url).build(); // OkHttp sends no Origin header (§1 origin check)
        WebSocket ws = wsHttp.newWebSocket(req, new SocketListener(gen, readyWhenDecided));
        synchronized (lock) {
            if (gen == generation && state != ConnectionState.CLOSED) {
                socket = ws;
                return;
            }
        }
        ws.cancel();
    }

    private final class SocketListener extends WebSocketListener {
        private final int gen;
        private final CompletableFuture<Void> readyWhenDecided;

        SocketListener(int gen, CompletableFuture<Void> readyWhenDecided) {
            this.gen = gen;
            this.readyWhenDecided = readyWhenDecided;
        }

        @Override
        public void onOpen(WebSocket ws, Response response) {
            long down;
            synchronized (lock) {
                if (gen != generation || state == ConnectionState.CLOSED) {
                    ws.cancel();
                    return;
                }
                state = ConnectionState.OPEN;
                reconnectAttempt = 0;
                down = downSinceNanos;
                downSinceNanos = -1;
            }
            ws.send(FEATURE_FLAGS);
            if (readyWhenDecided != null) {
                // The 101 answer comes before the server registers the socket under its sid, so a prompt posted now
                // could run before its events have anywhere to go. The connect `status` frame proves the socket is
                // registered (onMessage completes this); the grace only covers a server that never sends one.
                schedule(() -> readyWhenDecided.complete(null), FIRST_FRAME_GRACE_MS);
            }
            if (down >= 0) {
                reconnects.incrementAndGet();
                Duration downFor = Duration.ofNanos(System.nanoTime() - down);
                for (PromptTracker t : trackers.values()) {
                    t.connectionRestored(downFor);
                    if (!t.isOrphaned()) {
                        t.trackedBy(TrackingMethod.WEBSOCKET);
                    }
                }
            }
            // Nothing missed while away is replayed (§2.2): rebuild state over HTTP. Only prompts already posted can
            // have missed anything; one still waiting for this socket posts with it and hears every event, so it is
            // left out (decided now: by the time the reconcile runs it may have been accepted and even finished).
            List<PromptTracker> missed = new ArrayList<>();
            for (PromptTracker t : trackers.values()) {
                if (t.hasPosted()) {
                    missed.add(t);
                }
            }
            if (!missed.isEmpty()) {
                io(() -> reconcile(missed, "connected"));
            }
        }

        @Override
        public void onMessage(WebSocket ws, String text) {
            if (gen == currentGeneration()) {
                unprovenResubscribe = false; // the server knows this socket (its connect status comes via the sid)
                if (readyWhenDecided != null) {
                    readyWhenDecided.complete(null);
                }
                dispatch(text);
            }
        }

        @Override
        public void onMessage(WebSocket ws, ByteString bytes) {
            if (gen != currentGeneration() || bytes.size() < 8) {
                return;
            }
            if (bytes.size() > LARGE_FRAME_CHARS) {
                LOG.log(System.Logger.Level.DEBUG, "oversized binary WebSocket frame from {0} ({1} bytes, type {2})",
                        config.baseUrl(), bytes.size(), bytes.getByte(3));
            }
            // Binary frames switch on the first uint32 (§5). Type 4 names its prompt in a metadata header; previews
            // are never outputs, so only the sign of life is kept.
            int type = bytes.getByte(0) << 24 | (bytes.getByte(1) & 0xff) << 16 | (bytes.getByte(2) & 0xff) << 8
                    | bytes.getByte(3) & 0xff;
            if (type == 4) {
                long len = (bytes.getByte(4) & 0xffL) << 24 | (bytes.getByte(5) & 0xff) << 16
                        | (bytes.getByte(6) & 0xff) << 8 | bytes.getByte(7) & 0xff;
                if (len > 0 && len <= bytes.size() - 8) {
                    String meta = bytes.substring(8, 8 + (int) len).string(StandardCharsets.UTF_8);
                    String pid = Json.text(Json.parseLenient(meta), "prompt_id");
                    PromptTracker t = pid == null ? null : trackers.get(pid);
                    if (t != null) {
                        t.touch();
                    }
                }
            }
        }

        @Override
        public void onClosing(WebSocket ws, int code, String reason) {
            ws.close(1000, null);
            down(gen, "server closed the WebSocket (" + code + (reason.isEmpty() ? "" : " " + reason) + ")",
                    readyWhenDecided);
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            down(gen, "WebSocket closed (" + code + ")", readyWhenDecided);
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response response) {
            String why = response != null ? "WebSocket upgrade refused with HTTP " + response.code() : t.toString();
            down(gen, why, readyWhenDecided);
        }
    }

    private int currentGeneration() {
        synchronized (lock) {
            return generation;
        }
    }

    private void down(int gen, String reason, CompletableFuture<Void> readyWhenDecided) {
        boolean wasOpen;
        synchronized (lock) {
            if (gen != generation || state == ConnectionState.CLOSED) {
                return;
            }
            generation++;
            socket = null;
            wasOpen = state == ConnectionState.OPEN;
            state = ConnectionState.POLLING;
            if (downSinceNanos < 0) {
                downSinceNanos = System.nanoTime();
            }
        }
        LOG.log(System.Logger.Level.DEBUG, "WebSocket to {0} down: {1}", config.baseUrl(), reason);
        if (readyWhenDecided != null) {
            readyWhenDecided.complete(null); // HTTP works (health check passed): fall back to polling
        }
        nextPollNanos = System.nanoTime();
        pollIntervalNanos = config.pollMin().toNanos();
        for (PromptTracker t : trackers.values()) {
            if (wasOpen) {
                t.connectionLost(reason);
            }
            t.trackedBy(TrackingMethod.POLLING);
        }
        scheduleReconnect();
    }

    /** Exponential back-off with full jitter, short while prompts wait for it; nothing when nobody needs the socket. */
    private void scheduleReconnect() {
        int attempt;
        synchronized (lock) {
            if (reconnectScheduled || state == ConnectionState.CLOSED || state == ConnectionState.OPEN
                    || config.mode() == TrackingMode.POLL_ONLY) {
                return;
            }
            if (trackers.isEmpty()) {
                state = ConnectionState.IDLE;
                ready = null;
                return;
            }
            reconnectScheduled = true;
            attempt = reconnectAttempt++;
        }
        long cap = client.settings().reconnectCap().toMillis();
        long ceiling = Math.min(cap, 100L << Math.min(attempt, 16));
        long delay = ThreadLocalRandom.current().nextLong(Math.max(1, ceiling / 4), ceiling + 1);
        Instant earliest = null;
        for (PromptTracker t : trackers.values()) {
            Instant d = t.nextDeadline();
            if (d != null && (earliest == null || d.isBefore(earliest))) {
                earliest = d;
            }
        }
        schedule(this::reconnect, clipToDeadline(delay, Instant.now(), earliest));
    }

    private void reconnect() {
        synchronized (lock) {
            reconnectScheduled = false;
            if (state == ConnectionState.CLOSED || state == ConnectionState.OPEN) {
                return;
            }
            if (trackers.isEmpty()) {
                state = ConnectionState.IDLE;
                ready = null;
                return;
            }
        }
        if (serverVersion == null) {
            // Never got a health check through: redo it (it also feeds submissions waiting for ensureReady()).
            CompletableFuture<Void> mine = ensureReady();
            mine.whenComplete((v, ex) -> {
                if (ex != null) {
                    scheduleReconnect();
                }
            });
            return;
        }
        openSocket(null);
    }

    /**
     * A running prompt stayed silent on an open socket for several checks: the socket may be deaf (§2.6: another
     * socket with our clientId connected or closed, and the server's registry lost ours). Close it cleanly, so the
     * server's handler for it ends first, then open a new one with the SAME clientId: the server registers it again
     * and the running prompt's events, addressed to that clientId, reach us again. If the new socket then receives
     * nothing at all before the next suspicion, the clientId itself is taken: {@link #rotateClientId} follows.
     */
    private void resubscribe() {
        WebSocket old;
        synchronized (lock) {
            if (state != ConnectionState.OPEN || socket == null) {
                return;
            }
            old = socket;
            socket = null;
            generation++; // the old socket's close is ours, not a drop: its listener ignores it
            state = ConnectionState.CONNECTING;
        }
        resubscribes.incrementAndGet();
        unprovenResubscribe = true;
        LOG.log(System.Logger.Level.INFO, "a running prompt on {0} is silent on an open WebSocket; re-opening it with"
                + " the same clientId in case the server stopped routing to it", config.baseUrl());
        for (PromptTracker t : trackers.values()) {
            t.missedEvents();
        }
        old.close(1000, "re-subscribing");
        // Let the server finish the old handler before the new socket registers: with the §2.6 bug the old handler's
        // cleanup unregisters whichever socket holds the clientId at that moment.
        schedule(() -> openSocket(null), 250);
    }

    /** The socket stopped receiving our events (§2.6): switch to a fresh clientId and poll the prompts of the old one. */
    private void rotateClientId(String why) {
        String fresh = newClientId();
        synchronized (lock) {
            if (state == ConnectionState.CLOSED) {
                return;
            }
            clientId = fresh;
        }
        unprovenResubscribe = false;
        deafRotations.incrementAndGet();
        LOG.log(System.Logger.Level.INFO, "WebSocket to {0} seems deaf ({1}); reconnecting with a fresh clientId",
                config.baseUrl(), why);
        for (PromptTracker t : trackers.values()) {
            if (t.isAccepted() && !fresh.equals(t.clientId())) {
                t.orphan();
            }
        }
        openSocket(null);
    }

    // ------------------------------------------------------------------ WebSocket messages

    private void dispatch(String text) {
        ServerMessage m = ServerMessage.parse(text);
        if (m instanceof ServerMessage.Other o && ("invalid".equals(o.type()) || text.length() > LARGE_FRAME_CHARS)) {
            // Ignored, never fatal; the log names what was dropped so a misbehaving server or proxy can be found.
            LOG.log(System.Logger.Level.DEBUG, "ignored {0} WebSocket text frame from {1} ({2} chars): {3}",
                    text.length() > LARGE_FRAME_CHARS ? "an oversized " + ("invalid".equals(o.type())
                            ? "(not parsed: beyond the JSON reader's limits)" : "'" + o.type() + "'")
                            : "a malformed (not a ComfyUI JSON message)",
                    config.baseUrl(), text.length(), text.substring(0, Math.min(80, text.length())));
        }
        if (m instanceof ServerMessage.Status st) {
            queueRemaining = st.queueRemaining();
            queueFetchWanted = true;
            return;
        }
        String pid = m.promptId();
        if (pid == null) {
            return; // bare reconnect "executing", unknown types: reconcile covers them
        }
        PromptTracker t = trackers.get(pid);
        if (t == null && serverIdPosts.get() > 0) {
            synchronized (early) {
                t = trackers.get(pid);
                if (t == null) {
                    if (early.size() < 64) {
                        List<ServerMessage> list = early.computeIfAbsent(pid, k -> new ArrayList<>());
                        if (list.size() < 2000) {
                            list.add(m);
                        }
                    }
                    return;
                }
            }
        }
        if (t != null) {
            handle(t, m);
        }
        // Otherwise another client's prompt: never touch our state (§9.5).
    }

    private void handle(PromptTracker t, ServerMessage m) {
        switch (t.onMessage(m)) {
            case FINISHED -> finished(t);
            case NEEDS_HISTORY -> io(() -> reconcile(List.of(t), "end marker"));
            default -> { }
        }
    }

    private void finished(PromptTracker t) {
        trackers.remove(t.promptId(), t);
    }

    // ------------------------------------------------------------------ reconcile and polling

    /**
     * One {@code /queue} for the server, then {@code /history/{id}} only for the targets no longer queued.
     * Returns whether anything changed.
     */
    private boolean reconcile(Collection<PromptTracker> targets, String why) {
        QueueSnapshot q;
        try {
            q = http.queue();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "reconcile ({0}) with {1} failed: {2}", why, config.baseUrl(), e.toString());
            return false;
        }
        boolean changed = false;
        boolean deaf = false;
        boolean suspect = false;
        List<PromptTracker> retry = new ArrayList<>();
        boolean socketUp = state() == ConnectionState.OPEN;
        for (PromptTracker t : targets) {
            if (t.isDone() || !t.isAccepted()) {
                continue;
            }
            String id = t.promptId();
            if (q.isRunning(id)) {
                changed |= t.seenRunning(q.total());
                if (why.equals("silence") && socketUp && !t.isOrphaned() && t.silentRunningCheck()) {
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
                h = http.history(id);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "history check ({0}) of {1} failed: {2}", why, id, e.toString());
                continue;
            }
            if (h.isPresent()) {
                boolean expectedEvents = socketUp && !t.isOrphaned() && t.phase() == PromptPhase.RUNNING;
                t.finishFromHistory(h.get());
                finished(t);
                changed = true;
                deaf |= expectedEvents && why.equals("silence");
            } else if (t.historyMiss() >= LOST_AFTER_MISSES) {
                if (t.fail(Outcome.LOST, List.of(new PromptError("lost", null, null, null, null,
                        "prompt " + id + " is neither queued, running nor in the history of " + config.baseUrl()
                                + ": the server was probably restarted or dropped it (history is in memory only)",
                        "")))) {
                    finished(t);
                }
                changed = true;
            } else {
                retry.add(t); // history is written a moment after the terminal event: ask again shortly (§9.4)
            }
        }
        if (!retry.isEmpty()) {
            schedule(() -> reconcile(retry, why), HISTORY_RETRY_MS);
        }
        if (deaf) {
            rotateClientId(why);
        } else if (suspect) {
            if (unprovenResubscribe) {
                rotateClientId("the re-opened socket heard nothing either");
            } else {
                resubscribe();
            }
        }
        return changed;
    }

    private void pollRound() {
        try {
            boolean socketUp = state() == ConnectionState.OPEN;
            List<PromptTracker> targets = new ArrayList<>();
            for (PromptTracker t : trackers.values()) {
                if (!socketUp || t.isOrphaned()) {
                    targets.add(t);
                }
            }
            boolean changed = !targets.isEmpty() && reconcile(targets, "poll");
            long next = changed ? config.pollMin().toNanos()
                    : Math.min(config.pollMax().toNanos(), (long) (pollIntervalNanos * 1.5));
            pollIntervalNanos = next;
            nextPollNanos = System.nanoTime() + next;
        } finally {
            pollRunning.set(false);
        }
    }

    private void queueFetch() {
        try {
            queueFetchWanted = false;
            lastQueueFetchNanos = System.nanoTime();
            QueueSnapshot q = http.queue();
            for (PromptTracker t : trackers.values()) {
                if (t.isAccepted() && t.phase() == PromptPhase.QUEUED) {
                    int pos = q.pendingPosition(t.promptId());
                    if (pos > 0) {
                        t.seenQueued(pos, q.total());
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "queue position check on {0} failed: {1}", config.baseUrl(), e.toString());
        } finally {
            queueFetchRunning.set(false);
        }
    }

    private void startMaintenance() {
        synchronized (lock) {
            if (maintenance == null && state != ConnectionState.CLOSED) {
                long tick = client.settings().maintenanceTick().toMillis();
                try {
                    maintenance = client.scheduler().scheduleWithFixedDelay(this::maintain, tick, tick,
                            TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    // client closing
                }
            }
        }
    }

    /** Runs every tick on the scheduler while prompts are in flight; never blocks (HTTP goes to the io pool). */
    private void maintain() {
        try {
            if (trackers.isEmpty()) {
                synchronized (lock) {
                    if (trackers.isEmpty() && maintenance != null) {
                        maintenance.cancel(false);
                        maintenance = null;
                    }
                }
                return;
            }
            Instant now = Instant.now();
            long nanos = System.nanoTime();
            Duration silence = client.settings().silenceReconcile();
            boolean anyOrphan = false;
            boolean anyQueued = false;
            boolean anySilent = false;
            for (PromptTracker t : trackers.values()) {
                if (t.checkDeadlines(now)) {
                    finished(t);
                    io(() -> cancelOnServer(t));
                    continue;
                }
                t.heartbeat(client.settings().heartbeat());
                if (!t.isAccepted()) {
                    continue;
                }
                anyOrphan |= t.isOrphaned();
                PromptPhase p = t.phase();
                anyQueued |= p == PromptPhase.QUEUED;
                anySilent |= (p == PromptPhase.QUEUED || p == PromptPhase.RUNNING)
                        && t.lastSignal().plus(silence).isBefore(now);
            }
            ConnectionState st = state();
            boolean polling = st == ConnectionState.POLLING || st == ConnectionState.CONNECTING;
            if ((polling || anyOrphan) && nanos >= nextPollNanos && pollRunning.compareAndSet(false, true)) {
                io(this::pollRound, () -> pollRunning.set(false));
            } else if (st == ConnectionState.OPEN && anySilent && nanos - lastSilenceReconcileNanos >= silence.toNanos()
                    && pollRunning.compareAndSet(false, true)) {
                // Covers a deaf socket without ever failing a prompt for being quiet.
                lastSilenceReconcileNanos = nanos;
                io(() -> {
                    try {
                        reconcile(List.copyOf(trackers.values()), "silence");
                    } finally {
                        pollRunning.set(false);
                    }
                }, () -> pollRunning.set(false));
            }
            if (st == ConnectionState.OPEN && anyQueued && queueFetchWanted
                    && nanos - lastQueueFetchNanos >= QUEUE_FETCH_MIN_INTERVAL_NANOS
                    && queueFetchRunning.compareAndSet(false, true)) {
                io(this::queueFetch, () -> queueFetchRunning.set(false));
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "maintenance of " + config.baseUrl() + " failed", e);
        }
    }

    // ------------------------------------------------------------------ cancel

    private CompletableFuture<Void> cancel(PromptTracker t) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        io(() -> {
            try {
                if (t.isAccepted()) {
                    cancelOnServer(t);
                }
                // Not yet accepted: the submission sees cancelRequested and never posts (or cancels right after).
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }, () -> done.complete(null));
        return done;
    }

    /**
     * Stops only our prompt: delete it if pending; if running, the jobs cancel API, else a targeted interrupt, and a
     * global interrupt only on servers older than 0.3.57 after /queue showed ours is the one running.
     */
    private void cancelOnServer(PromptTracker t) {
        String id = t.promptId();
        try {
            QueueSnapshot q = http.queue();
            if (q.pendingPosition(id) > 0) {
                http.deleteFromQueue(List.of(id));
                q = http.queue();
                if (!q.contains(id)) {
                    if (t.fail(Outcome.INTERRUPTED, List.of(new PromptError("cancelled", null, null, null, null,
                            "prompt cancelled while queued (removed from the queue)", "")))) {
                        finished(t);
                    }
                    return;
                }
            }
            if (q.isRunning(id)) {
                if (jobsApi) {
                    try {
                        if (http.cancelJob(id)) {
                            return;
                        }
                    } catch (ComfyHttpException e) {
                        LOG.log(System.Logger.Level.DEBUG, "jobs cancel API on {0}: {1}", config.baseUrl(), e.getMessage());
                    }
                    jobsApi = false;
                }
                http.interrupt(supportsTargetedInterrupt() ? id : null);
            } else if (!t.isDone()) {
                reconcile(List.of(t), "cancel");
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not cancel prompt {0} on {1}: {2}", id, config.baseUrl(),
                    e.toString());
        }
    }

    // ------------------------------------------------------------------ versions

    private boolean supportsClientPromptId() {
        return atLeast(serverVersion, 0, 3, 45);
    }

    private boolean supportsTargetedInterrupt() {
        return atLeast(serverVersion, 0, 3, 57);
    }

    /** Unknown or unparsable versions count as new: every current server is. */
    static boolean atLeast(String version, int major, int minor, int patch) {
        if (version == null) {
            return true;
        }
        String[] p = version.replaceFirst("^v", "").split("[.\\-+]");
        try {
            int[] have = {Integer.parseInt(p[0]), p.length > 1 ? Integer.parseInt(p[1]) : 0,
                    p.length > 2 ? Integer.parseInt(p[2]) : 0};
            int[] want = {major, minor, patch};
            for (int i = 0; i < 3; i++) {
                if (have[i] != want[i]) {
                    return have[i] > want[i];
                }
            }
            return true;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    // ------------------------------------------------------------------ close and helpers

    @Override
    public void close() {
        WebSocket ws;
        ScheduledFuture<?> m;
        synchronized (lock) {
            if (state == ConnectionState.CLOSED) {
                return;
            }
            state = ConnectionState.CLOSED;
            generation++;
            ws = socket;
            socket = null;
            m = maintenance;
            maintenance = null;
        }
        if (m != null) {
            m.cancel(false);
        }
        if (ws != null) {
            ws.close(1000, "client closing");
            ws.cancel();
        }
        for (PromptTracker t : List.copyOf(trackers.values())) {
            t.fail(Outcome.UNREACHABLE, List.of(new PromptError("closed", null, null, null, null,
                    "the engine was closed while prompt " + t.promptId() + " was in flight; it may still run on "
                            + config.baseUrl(), "")));
        }
        trackers.clear();
    }

    private void io(Runnable task) {
        io(task, () -> { });
    }

    private void io(Runnable task, Runnable onRejected) {
        try {
            client.io().execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "engine task for " + config.baseUrl() + " failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            onRejected.run();
        }
    }

    private void schedule(Runnable task, long delayMillis) {
        try {
            client.scheduler().schedule(() -> io(task), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // client closing
        }
    }

    /** {@code f}, or a TimeoutException after {@code millis}, without the JDK's hidden delayer thread. */
    private <T> CompletableFuture<T> within(CompletableFuture<T> f, long millis) {
        CompletableFuture<T> out = new CompletableFuture<>();
        ScheduledFuture<?> timer;
        try {
            timer = client.scheduler().schedule(() -> out.completeExceptionally(
                    new TimeoutException("no answer within " + millis + " ms")), millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            out.completeExceptionally(e);
            return out;
        }
        f.whenComplete((v, ex) -> {
            timer.cancel(false);
            if (ex == null) {
                out.complete(v);
            } else {
                out.completeExceptionally(ex);
            }
        });
        return out;
    }

    /**
     * A reconnect delay never sleeps past the earliest deadline of the prompts that need the socket: the last
     * attempt before a prompt would time out is made in time to matter (and at least 1 ms later).
     */
    static long clipToDeadline(long delayMillis, Instant now, Instant earliestDeadline) {
        if (earliestDeadline == null) {
            return delayMillis;
        }
        long until = Duration.between(now, earliestDeadline).toMillis();
        return Math.max(1, Math.min(delayMillis, until));
    }

    private static long backoffMillis(int attempt, long cap) {
        long ceiling = Math.min(cap, 250L << Math.min(attempt, 10));
        return ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
    }

    private static String newClientId() {
        return "comfyrun-" + UUID.randomUUID().toString().replace("-", "");
    }

    private static String describe(Throwable ex) {
        Throwable c = ex instanceof java.util.concurrent.CompletionException && ex.getCause() != null ? ex.getCause() : ex;
        return c.getMessage() == null ? c.toString() : c.toString();
    }

    private static String excerpt(String body) {
        if (body == null) {
            return "";
        }
        String s = body.strip().replaceAll("\\s+", " ");
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    private static String human(Duration d) {
        return d == null ? "unlimited" : d.toSeconds() + " s";
    }
}
